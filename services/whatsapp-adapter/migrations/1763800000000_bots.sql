-- Up Migration
-- tenant_id has no foreign key: tenants belong to the gateway's schema, and
-- each service only references other services' data by id.
CREATE TABLE bots (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bots_tenant_idx ON bots (tenant_id);

-- A bot's providers in fallback order (position 0 is the primary).
-- secrets holds AES-256-GCM ciphertext of a JSON object; the key comes from config.
CREATE TABLE bot_providers (
  bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  position smallint NOT NULL CHECK (position >= 0),
  kind text NOT NULL CHECK (kind IN ('baileys', 'meta', 'official', 'twilio', 'evolution')),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  secrets bytea,
  -- Provider-side identity that inbound webhooks carry (Meta phone_number_id,
  -- Twilio number, Evolution instance) so a webhook finds its bot.
  routing_key text,
  PRIMARY KEY (bot_id, position)
);
CREATE UNIQUE INDEX bot_providers_routing_idx ON bot_providers (kind, routing_key) WHERE routing_key IS NOT NULL;

-- Down Migration
DROP TABLE bot_providers;
DROP TABLE bots;
