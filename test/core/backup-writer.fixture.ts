/**
 * A writer process for the concurrent-backup test: opens the ai-artist store at argv[2] and
 * inserts images `w1.png`, `w2.png`, … one committed row at a time, printing each number once
 * its row is committed, until it is killed.
 */
import { openStore } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'

const store = await openStore(aiArtistStore, { location: process.argv[2]!, poolSize: 1 })
for (let i = 1; ; i++) {
  await store.repo.addImage({ filename: `w${i}.png`, prompt: 'writer', model_id: 'writer' })
  process.stdout.write(`${i}\n`)
}
