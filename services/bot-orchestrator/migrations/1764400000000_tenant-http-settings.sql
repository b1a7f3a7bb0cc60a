-- Up Migration
-- Hosts a tenant's http steps may call: exact names, or "*.example.com" for its subdomains.
-- Stored lower-case and IDNA-normalised (punycode), as the URL parser writes them.
CREATE TABLE tenant_http_hosts (
  tenant_id uuid NOT NULL,
  host text NOT NULL CHECK (host = lower(host) AND length(host) BETWEEN 1 AND 255),
  PRIMARY KEY (tenant_id, host)
);

-- A tenant's named secrets for http step headers. The value is sealed (AES-256-GCM, bound to the
-- tenant and the name) and never returned by any read but the one that sends it.
CREATE TABLE tenant_http_secrets (
  tenant_id uuid NOT NULL,
  name text NOT NULL CHECK (name ~ '^[A-Z][A-Z0-9_]*$' AND length(name) <= 64),
  sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, name)
);

-- Down Migration
DROP TABLE tenant_http_secrets;
DROP TABLE tenant_http_hosts;
