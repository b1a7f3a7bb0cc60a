-- Up Migration
-- A bot's provider row is identified by its kind (a bot has at most one of
-- each), not by its place in the fallback order: updating a bot's token,
-- settings or order updates its rows in place, so whatever is keyed by
-- (bot_id, kind), such as a session's state, survives ConfigureBot.
-- Positions stay unique per bot, checked at commit so a reorder can swap them.
ALTER TABLE bot_providers DROP CONSTRAINT bot_providers_pkey;
ALTER TABLE bot_providers ADD CONSTRAINT bot_providers_pkey PRIMARY KEY (bot_id, kind);
ALTER TABLE bot_providers ADD CONSTRAINT bot_providers_position_key UNIQUE (bot_id, position) DEFERRABLE INITIALLY DEFERRED;

-- Listing a tenant's bots pages through them oldest first.
DROP INDEX bots_tenant_idx;
CREATE INDEX bots_tenant_created_idx ON bots (tenant_id, created_at, id);

-- Down Migration
DROP INDEX bots_tenant_created_idx;
CREATE INDEX bots_tenant_idx ON bots (tenant_id);
ALTER TABLE bot_providers DROP CONSTRAINT bot_providers_position_key;
ALTER TABLE bot_providers DROP CONSTRAINT bot_providers_pkey;
ALTER TABLE bot_providers ADD CONSTRAINT bot_providers_pkey PRIMARY KEY (bot_id, position);
