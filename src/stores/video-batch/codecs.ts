import { createCodec } from '../../core/index.js'
import type { Image, PromptSet, Video } from './types.js'

/** Row codecs of the video-batch tables: timestamps as ISO-8601 UTC, `metadata` parsed. */
export const imageCodec = createCodec<Image>({
  timestamp: ['timestamp', 'created_at', 'updated_at'],
})
export const promptCodec = createCodec<PromptSet>({ timestamp: ['created_at', 'updated_at'] })
export const videoCodec = createCodec<Video>({
  json: ['metadata'],
  timestamp: ['created_at', 'claimed_at'],
})
