-- Up Migration
-- Sellers' working time and the record of which seller attends which customer. A seller's weekly
-- schedule is a jsonb array of { weekday (1 Monday … 7 Sunday), ranges: [{ open, close }] } in the
-- shop's time zone (NULL: no schedule, on duty whenever online); days off are local dates.
-- A customer has at most one open assignment; the rotation pointer makes round robin fair across
-- gateway replicas.
ALTER TABLE sellers
  ADD COLUMN schedule jsonb CHECK (schedule IS NULL OR jsonb_typeof(schedule) = 'array'),
  ADD COLUMN days_off date[] NOT NULL DEFAULT '{}' CHECK (cardinality(days_off) <= 366);

CREATE TABLE seller_assignments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  seller_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  -- Why (shown to staff): "adviser", "catalogue interest", "order", or a manager's note.
  reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
  -- How the seller was chosen: round_robin, least_loaded (fallback) or manual.
  strategy text NOT NULL CHECK (strategy IN ('round_robin', 'least_loaded', 'manual')),
  idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  assigned_at timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz,
  -- released (by staff or the flow), timeout (the release job), reassigned (a manager moved the customer).
  release_reason text CHECK (release_reason IN ('released', 'timeout', 'reassigned')),
  CHECK ((released_at IS NULL) = (release_reason IS NULL)),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, seller_id) REFERENCES sellers (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX seller_assignments_open_customer_idx ON seller_assignments (tenant_id, customer_id) WHERE released_at IS NULL;
CREATE UNIQUE INDEX seller_assignments_idempotency_idx ON seller_assignments (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX seller_assignments_open_seller_idx ON seller_assignments (tenant_id, seller_id) WHERE released_at IS NULL;
-- The timeout job scans open assignments oldest first.
CREATE INDEX seller_assignments_open_age_idx ON seller_assignments (assigned_at) WHERE released_at IS NULL;
CREATE INDEX seller_assignments_list_idx ON seller_assignments (tenant_id, assigned_at DESC, id DESC);

-- Round robin: the seller who got the tenant's last automatic assignment.
CREATE TABLE seller_rotation (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  last_seller_id uuid,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE seller_rotation;
DROP TABLE seller_assignments;
ALTER TABLE sellers DROP COLUMN days_off, DROP COLUMN schedule;
