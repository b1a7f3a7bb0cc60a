-- Up Migration
-- Which version of a flow runs is flows.active_version, and nothing else: a version's status only
-- says whether it can still be edited (draft) or has been activated at least once (published).
-- The database holds the rule the engine relies on: one active main flow per bot, and one for the
-- tenant's default scope (bot_id NULL).
ALTER TABLE flows
  ADD COLUMN slug text,
  ADD COLUMN kind text NOT NULL DEFAULT 'main' CHECK (kind IN ('main', 'subflow')),
  ADD COLUMN active_version integer CHECK (active_version > 0),
  -- Counts saved definitions (creation is 1): an editor's save names the revision it started from.
  ADD COLUMN revision integer NOT NULL DEFAULT 1 CHECK (revision > 0),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Rows from before this migration: the slug is their latest document's id when it is a valid,
-- unused one in its scope, otherwise one made from the flow's id.
UPDATE flows f
SET slug = named.slug
FROM (
  SELECT candidates.id,
    CASE
      WHEN candidates.doc_id ~ '^[a-z0-9_][a-z0-9_-]*$' AND length(candidates.doc_id) <= 64
        AND row_number() OVER (PARTITION BY candidates.tenant_id, coalesce(candidates.bot_id, '00000000-0000-0000-0000-000000000000'::uuid), candidates.doc_id ORDER BY candidates.created_at, candidates.id) = 1
        THEN candidates.doc_id
      ELSE 'flow_' || replace(candidates.id::text, '-', '')
    END AS slug
  FROM (
    SELECT f2.id, f2.tenant_id, f2.bot_id, f2.created_at,
      (SELECT v.definition ->> 'id' FROM flow_versions v WHERE v.flow_id = f2.id ORDER BY v.version DESC LIMIT 1) AS doc_id
    FROM flows f2
  ) candidates
) named
WHERE named.id = f.id;
UPDATE flows f SET active_version = v.version FROM flow_versions v WHERE v.flow_id = f.id AND v.status = 'active';

ALTER TABLE flows
  ALTER COLUMN slug SET NOT NULL,
  ADD CONSTRAINT flows_slug_format CHECK (slug ~ '^[a-z0-9_][a-z0-9_-]*$' AND length(slug) <= 64);

-- A slug names one flow in its scope (goto {flow} and the engine's lookups go by it).
CREATE UNIQUE INDEX flows_scope_slug_idx ON flows (tenant_id, coalesce(bot_id, '00000000-0000-0000-0000-000000000000'::uuid), slug);
-- Exactly one active main flow per bot and per tenant default; also the engine's lookup of a bot's flow.
CREATE UNIQUE INDEX flows_one_active_main_idx ON flows (tenant_id, coalesce(bot_id, '00000000-0000-0000-0000-000000000000'::uuid))
  WHERE active_version IS NOT NULL AND kind = 'main';
-- flows_tenant_idx is covered by flows_scope_slug_idx.
DROP INDEX flows_tenant_idx;

DROP INDEX flow_versions_one_active_idx;
ALTER TABLE flow_versions DROP CONSTRAINT flow_versions_status_check;
UPDATE flow_versions SET status = 'published' WHERE status IN ('active', 'archived');
ALTER TABLE flow_versions
  ADD CONSTRAINT flow_versions_status_check CHECK (status IN ('draft', 'published')),
  -- User ids of the gateway's users (text: the orchestrator does not own users).
  ADD COLUMN created_by text,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN updated_by text,
  ADD COLUMN activated_by text;
UPDATE flow_versions SET updated_at = created_at;

-- The active version exists and belongs to the flow.
ALTER TABLE flows
  ADD CONSTRAINT flows_active_version_fk FOREIGN KEY (id, active_version) REFERENCES flow_versions (flow_id, version);

-- Down Migration
ALTER TABLE flows DROP CONSTRAINT flows_active_version_fk;
ALTER TABLE flow_versions DROP CONSTRAINT flow_versions_status_check;
UPDATE flow_versions v SET status = CASE WHEN f.active_version = v.version THEN 'active' ELSE 'archived' END
  FROM flows f WHERE f.id = v.flow_id AND v.status = 'published';
ALTER TABLE flow_versions
  ADD CONSTRAINT flow_versions_status_check CHECK (status IN ('draft', 'active', 'archived')),
  DROP COLUMN created_by,
  DROP COLUMN updated_at,
  DROP COLUMN updated_by,
  DROP COLUMN activated_by;
CREATE UNIQUE INDEX flow_versions_one_active_idx ON flow_versions (flow_id) WHERE status = 'active';
CREATE INDEX flows_tenant_idx ON flows (tenant_id);
DROP INDEX flows_one_active_main_idx;
DROP INDEX flows_scope_slug_idx;
ALTER TABLE flows
  DROP CONSTRAINT flows_slug_format,
  DROP COLUMN slug,
  DROP COLUMN kind,
  DROP COLUMN active_version,
  DROP COLUMN revision,
  DROP COLUMN updated_at;
