// A `genmedia worker image-gen --handler` module that generates a job's images with an HTTP API
// in the shape of the OpenAI Images API (POST /v1/images/generations, `b64_json` responses).
//
//   OPENAI_API_KEY=…  genmedia worker image-gen --handler examples/openai-images-handler.mjs \
//     --provider openai --concurrency 4
//
// OPENAI_BASE_URL points it at another server with the same API (default https://api.openai.com);
// OPENAI_IMAGE_MODEL picks the model (default gpt-image-1).

/** Image sizes by the job's aspect ratio (the sizes the API accepts). */
const SIZES = { '1:1': '1024x1024', '16:9': '1536x1024', '4:3': '1536x1024', '3:2': '1536x1024' }
const PORTRAIT = '1024x1536'

/** The prompt a job asks for: its text and the prompt panel's choices. */
function promptOf(job) {
  const parts = [job.generated_prompt ?? job.prompt]
  if (job.shot_type) parts.push(`${job.shot_type.replaceAll('_', ' ')} shot`)
  if (job.camera_angle) parts.push(`${job.camera_angle.replaceAll('_', ' ')} angle`)
  if (job.style) parts.push(`${job.style.replaceAll('_', ' ')} style`)
  for (const key of ['location', 'lighting', 'weather']) if (job[key]) parts.push(job[key])
  return parts.join(', ')
}

/**
 * One image per request, so that progress counts shots and a retry after a crash costs one
 * request less per image already made; the job's AbortSignal cancels the request in flight.
 */
export default async function generate(job, ctx) {
  const base = process.env.OPENAI_BASE_URL ?? 'https://api.openai.com'
  const model = process.env.OPENAI_IMAGE_MODEL ?? 'gpt-image-1'
  const prompt = promptOf(job)
  const size = SIZES[job.aspect_ratio] ?? PORTRAIT
  const images = []
  for (let shot = 1; shot <= job.number_of_shots; shot++) {
    const response = await fetch(`${base}/v1/images/generations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${process.env.OPENAI_API_KEY ?? ''}`,
      },
      body: JSON.stringify({ model, prompt, n: 1, size, response_format: 'b64_json' }),
      signal: ctx.signal,
    })
    if (!response.ok) {
      // A thrown error fails the attempt; genmedia retries it with backoff.
      throw new Error(`images API ${response.status}: ${(await response.text()).slice(0, 300)}`)
    }
    const body = await response.json()
    for (const item of body.data ?? []) {
      images.push({ data: item.b64_json, prompt_used: item.revised_prompt ?? prompt })
    }
    ctx.progress(shot)
  }
  return { images, generated_prompt: prompt, model_used: model, generation_method: 'openai' }
}
