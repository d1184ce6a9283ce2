import type BetterSqlite3 from 'better-sqlite3'

type Statement = (db: BetterSqlite3.Database) => void

/**
 * SEED_STATEMENTS are the statements each seed's document shows its pipeline running (its
 * Python INSERTs, save_state, usage examples and common queries), run as the pipeline runs them
 * on its own connection, for checking that they still run against the adopted database.
 */
export const SEED_STATEMENTS: Readonly<Record<string, readonly Statement[]>> = {
  'video-batch': [
    function insertUploadPromptVideo(db) {
      const image = db
        .prepare(
          "INSERT INTO images (original_filename, original_path, status, descriptive_name) VALUES ('new.png', '/in/new.png', 'success', 'A new image')",
        )
        .run().lastInsertRowid
      const prompt = db
        .prepare('INSERT INTO prompts (image_id, image_prompt, video_prompt) VALUES (?, ?, ?)')
        .run(image, 'a cat', 'a cat walks').lastInsertRowid
      db.prepare(
        "INSERT INTO videos (image_id, prompt_id, prompt_used, prompt_type, status) VALUES (?, ?, 'a cat walks', 'base', 'pending')",
      ).run(image, prompt)
    },
    function completedVideosWithPrompts(db) {
      db.prepare(
        "SELECT i.descriptive_name, p.video_prompt, v.video_filename, v.generation_time_seconds, v.status FROM images i JOIN prompts p ON i.id = p.image_id JOIN videos v ON i.id = v.image_id WHERE v.status = 'completed' ORDER BY v.generation_time_seconds DESC",
      ).all()
    },
    function legacyPrompts(db) {
      const rows = db
        .prepare(
          "SELECT p.id, p.video_prompt, i.descriptive_name FROM prompts p JOIN images i ON p.image_id = i.id WHERE i.descriptive_name = 'Legacy System Migration'",
        )
        .all()
      if (rows.length === 0) throw new Error('the legacy placeholder lost its prompts')
    },
  ],
  'ai-artist': [
    function addImage(db) {
      db.prepare(
        "INSERT INTO generated_images (filename, prompt, model_id, generation_params, final_score, status, is_featured, tags, created_at) VALUES ('x_1.png', 'a sunset', 'stabilityai/stable-diffusion-xl-base-1.0', '{\"steps\": 30}', 8.2, 'pending', 0, '[\"sunset\"]', '2026-01-15 12:00:00.000000')",
      ).run()
    },
    function recentHighQuality(db) {
      db.prepare(
        "SELECT * FROM generated_images WHERE status = 'curated' AND final_score >= 7.0 ORDER BY created_at DESC LIMIT 10",
      ).all()
    },
    function uncurated(db) {
      db.prepare(
        "SELECT id, filename, prompt FROM generated_images WHERE status = 'pending' ORDER BY created_at ASC LIMIT 100",
      ).all()
    },
  ],
  archive: [
    function saveState(db) {
      const session = db.prepare('SELECT session_id FROM processing_state LIMIT 1').get() as {
        session_id: string
      }
      db.transaction(() => {
        db.prepare(
          'UPDATE processing_state SET current_operation = ?, completed_operations = ?, operation_details = ? WHERE session_id = ?',
        ).run('compress', 3, '{"step": 3}', session.session_id)
        db.prepare(
          'INSERT INTO operation_log (session_id, operation_type, operation_name, status, progress) VALUES (?, ?, ?, ?, ?)',
        ).run(session.session_id, 'compress', 'compress scene 3', 'completed', 1.0)
      })()
    },
    function resumableSession(db) {
      db.prepare(
        "SELECT ps.*, COUNT(ol.id) AS completed_operations_verified, MAX(ol.timestamp) AS last_operation_time FROM processing_state ps LEFT JOIN operation_log ol ON ps.session_id = ol.session_id WHERE ps.status IN ('processing', 'paused') AND ps.updated_at > datetime('now', '-7 days') GROUP BY ps.session_id ORDER BY ps.updated_at DESC LIMIT 1",
      ).get()
    },
    function userPresets(db) {
      db.prepare(
        'SELECT preset_id, preset_name, is_default, description, usage_count, last_used_at FROM user_presets ORDER BY is_default DESC, usage_count DESC',
      ).all()
    },
  ],
  trends: [
    function insertTopic(db) {
      db.prepare(
        'INSERT INTO trending_topics (topic, source, relevance_score, category) VALUES (?, ?, ?, ?)',
      ).run('AI art generators', 'google_trends', 0.92, 'technology')
    },
    function unusedTopics(db) {
      const rows = db
        .prepare(
          'SELECT topic, relevance_score FROM trending_topics WHERE used_flag = 0 ORDER BY relevance_score DESC LIMIT 5',
        )
        .all()
      if (rows.length === 0) throw new Error('no unused topic')
    },
  ],
  metrics: [
    function insertSnapshot(db) {
      db.prepare(
        "INSERT INTO video_metrics (video_id, platform, views, likes, comments, shares, watch_time_seconds, engagement_rate) VALUES ('vid_new', 'youtube', 10, 1, 0, 0, 12.5, 0.1)",
      ).run()
    },
    function latestMetrics(db) {
      const rows = db.prepare("SELECT * FROM latest_video_metrics WHERE video_id = 'vid_new'").all()
      if (rows.length !== 1) throw new Error(`latest_video_metrics has ${rows.length} rows`)
    },
  ],
  'image-library': [
    function addImageAndUse(db) {
      const id = db
        .prepare(
          "INSERT INTO image_library (character, emotion, pose, file_path, source, quality_score) VALUES ('nutsy', 'happy', 'standing', '/lib/new.png', 'generated', 0.9)",
        )
        .run().lastInsertRowid
      db.prepare(
        "INSERT INTO image_usage (image_id, video_id, scene_number) VALUES (?, 'video_new', 1)",
      ).run(id)
      const row = db.prepare('SELECT usage_count FROM image_library WHERE id = ?').get(id) as {
        usage_count: number
      }
      if (row.usage_count !== 1) throw new Error(`usage_count is ${row.usage_count}, not 1`)
    },
  ],
}
