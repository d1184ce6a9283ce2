/** The seed's Common Queries (seed 000), verbatim: the tests run them as text. */
export const SEED_QUERIES: Record<string, string> = {
  'Get all completed videos with their prompts': `SELECT 
    i.descriptive_name,
    p.video_prompt,
    v.video_filename,
    v.generation_time_seconds,
    v.status
FROM images i
JOIN prompts p ON i.id = p.image_id
JOIN videos v ON i.id = v.image_id
WHERE v.status = 'completed'
ORDER BY v.generation_time_seconds DESC;`,
  'Get prompts without reference images (legacy)': `SELECT 
    p.id,
    p.video_prompt,
    i.descriptive_name
FROM prompts p
JOIN images i ON p.image_id = i.id
WHERE i.descriptive_name = 'Legacy System Migration';`,
  'Get video generation statistics': `SELECT 
    v.status,
    COUNT(*) as count,
    AVG(v.generation_time_seconds) as avg_time,
    AVG(v.file_size_bytes) as avg_size
FROM videos v
GROUP BY v.status;`,
  'Get images with upload metadata': `SELECT 
    i.descriptive_name,
    i.upload_url,
    i.file_size_bytes,
    i.processing_time_seconds,
    i.status
FROM images i
WHERE i.status = 'success'
ORDER BY i.processing_time_seconds DESC;`,
  'Get generated images with their origin images': `SELECT 
    generated.descriptive_name as generated_image,
    original.descriptive_name as origin_image,
    generated.created_at as generation_date
FROM images generated
JOIN images original ON generated.origin_image_id = original.id
ORDER BY generated.created_at DESC;`,
  'Get image generation chains (images and their derivatives)': `SELECT 
    original.descriptive_name as original_image,
    COUNT(generated.id) as derivatives_count
FROM images original
LEFT JOIN images generated ON original.id = generated.origin_image_id
GROUP BY original.id, original.descriptive_name
HAVING derivatives_count > 0
ORDER BY derivatives_count DESC;`,
  'Get all original images (not generated from other images)': `SELECT 
    i.descriptive_name,
    i.upload_url,
    i.status,
    i.created_at
FROM images i
WHERE i.origin_image_id IS NULL
AND i.status = 'success'
ORDER BY i.created_at DESC;`,
}
