-- Up Migration
-- When a session (a refresh-token family) began: a session ends for good at a
-- fixed age however often it is refreshed (REFRESH_SESSION_MAX_AGE_S).
ALTER TABLE refresh_tokens ADD COLUMN family_started_at timestamptz;
UPDATE refresh_tokens t SET family_started_at = f.started
  FROM (SELECT family_id, min(created_at) AS started FROM refresh_tokens GROUP BY family_id) f
  WHERE t.family_id = f.family_id;
ALTER TABLE refresh_tokens ALTER COLUMN family_started_at SET NOT NULL;
ALTER TABLE refresh_tokens ALTER COLUMN family_started_at SET DEFAULT now();

-- Down Migration
ALTER TABLE refresh_tokens DROP COLUMN family_started_at;
