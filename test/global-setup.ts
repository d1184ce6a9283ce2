import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The path of the `genmedia` CLI bundled once for the run (see setup below). */
    genmediaCli: string
    /**
     * A PGlite data folder made once for the run (a tar file), or '' where the tests use a
     * PostgreSQL server: each in-process server starts from it instead of running initdb.
     */
    pgliteTemplate: string
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
  project.provide('pgliteTemplate', await pgliteTemplate(dir))
  return () => rmSync(dir, { recursive: true, force: true })
}

/**
 * Without a PostgreSQL server (GENMEDIA_TEST_PG_URL unset) the tests serve PGlite in-process, a
 * new one for each test file and for stores that must not share a session: a hundred and more
 * in a run. PGlite runs initdb each time it starts on an empty folder, most of its start; the
 * folder initdb makes is made here once, and each server loads it.
 */
async function pgliteTemplate(dir: string): Promise<string> {
  if (process.env.GENMEDIA_TEST_PG_URL) return ''
  const { PGlite } = await import('@electric-sql/pglite')
  const db = await PGlite.create()
  try {
    const file = join(dir, 'pglite-template.tar')
    const dump = await db.dumpDataDir('none')
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()))
    return file
  } finally {
    await db.close()
  }
}
