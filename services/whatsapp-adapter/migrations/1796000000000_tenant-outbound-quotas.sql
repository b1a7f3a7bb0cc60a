-- Up Migration
-- A tenant's outbound quota: at most this many messages a minute through all
-- of its bots, on top of each number's own pacing. No row: no quota.
CREATE TABLE tenant_outbound_quotas (
  tenant_id uuid PRIMARY KEY,
  messages_per_minute integer NOT NULL CHECK (messages_per_minute BETWEEN 1 AND 1000000),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE tenant_outbound_quotas;
