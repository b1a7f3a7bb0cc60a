-- Up Migration
-- When the shop's default flow set (welcome and menu, adviser, catalogue, orders…) was installed in
-- the orchestrator. New shops get it at sign-up, or from the install job if the orchestrator was
-- away then. Shops that existed before are marked as done: their flows are their own.
ALTER TABLE tenants ADD COLUMN default_flows_installed_at timestamptz;
UPDATE tenants SET default_flows_installed_at = now();
CREATE INDEX tenants_default_flows_pending_idx ON tenants (created_at) WHERE default_flows_installed_at IS NULL;

-- Down Migration
DROP INDEX tenants_default_flows_pending_idx;
ALTER TABLE tenants DROP COLUMN default_flows_installed_at;
