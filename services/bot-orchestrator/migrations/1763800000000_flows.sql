-- Up Migration
CREATE TABLE flows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  -- NULL: the tenant's default flow for bots without their own.
  bot_id uuid,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flows_tenant_idx ON flows (tenant_id);

CREATE TABLE flow_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  flow_id uuid NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  UNIQUE (flow_id, version)
);
-- At most one active version per flow.
CREATE UNIQUE INDEX flow_versions_one_active_idx ON flow_versions (flow_id) WHERE status = 'active';

-- Down Migration
DROP TABLE flow_versions;
DROP TABLE flows;
