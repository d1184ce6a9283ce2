import { mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The path of the `genmedia` CLI bundled once for the run (see setup below). */
    genmediaCli: string
  }
}

/**
 * The CLI tests run `genmedia` as a user does, as a process: hundreds of them in a run. Bundled
 * once here (its packages left to node_modules), each starts in a fraction of the time that
 * compiling the sources anew for every process took. The bundle sits two folders below the
 * package, as src/cli/main.ts does, so that package.json, dist/web and node_modules resolve
 * the same from it.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = fileURLToPath(new URL('../node_modules/.genmedia-test/', import.meta.url))
  const bundle = `${dir}cli-${process.pid}.mjs`
  mkdirSync(dir, { recursive: true })
  await build({
    entryPoints: [fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  })
  project.provide('genmediaCli', bundle)
  return () => rmSync(bundle, { force: true })
}
