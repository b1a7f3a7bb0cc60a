-- Up Migration
-- Auth state of linked-device sessions (Baileys), keyed by (bot_id, kind) and
-- kept apart from bot_providers: configuring a bot never touches it, deleting
-- the bot removes it. Every value is sealed with the adapter's key, bound to
-- its bot, key type and id (a row copied elsewhere does not open).
CREATE TABLE session_creds (
  bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind = 'baileys'),
  sealed bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bot_id, kind)
);

-- One row per signal key (pre-key, session, sender-key, app-state-sync-key, lid-mapping…).
CREATE TABLE session_keys (
  bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind = 'baileys'),
  type text NOT NULL,
  id text NOT NULL,
  sealed bytea NOT NULL,
  PRIMARY KEY (bot_id, kind, type, id)
);

-- Down Migration
DROP TABLE session_keys;
DROP TABLE session_creds;
