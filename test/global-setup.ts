import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
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
 * once here, each starts in a fraction of the time that compiling the sources anew for every
 * process took. Kysely and zod are bundled in too (as hundreds of small modules they were a third
 * of every start); the other packages stay in node_modules, and the code only some commands need
 * (the server) stays in a chunk of its own, loaded as the sources load it. The bundle sits two
 * folders below the package, as src/cli/main.ts does, so that package.json, dist/web and
 * node_modules resolve the same from it.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const root = new URL('..', import.meta.url)
  const dir = fileURLToPath(new URL(`node_modules/.genmedia-test-${process.pid}/`, root))
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const inline = new Set(['kysely', 'zod'])
  const external = Object.keys(pkg.dependencies)
    .filter((name) => !inline.has(name))
    .flatMap((name) => [name, `${name}/*`])
  await build({
    entryPoints: [fileURLToPath(new URL('src/cli/main.ts', root))],
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    external,
    logLevel: 'error',
  })
  project.provide('genmediaCli', join(dir, 'main.mjs'))
  return () => rmSync(dir, { recursive: true, force: true })
}
