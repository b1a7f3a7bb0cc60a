-- Up Migration
-- Refresh tokens of dashboard sessions. Only a SHA-256 of each token is kept,
-- so a copy of this table cannot be replayed. Every login starts a family;
-- each refresh marks its token used (replaced_by names the successor) and adds
-- the next one to the family, so a used token seen again is a stolen copy and
-- the whole family is revoked.

-- Lets refresh_tokens name its user together with the user's tenant, so a
-- token can never point at a user of another tenant.
ALTER TABLE users ADD CONSTRAINT users_tenant_id_id_key UNIQUE (tenant_id, id);

CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  family_id uuid NOT NULL,
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  replaced_by uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (tenant_id, user_id) WHERE revoked_at IS NULL;
-- For purging expired rows.
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Down Migration
DROP TABLE refresh_tokens;
ALTER TABLE users DROP CONSTRAINT users_tenant_id_id_key;
