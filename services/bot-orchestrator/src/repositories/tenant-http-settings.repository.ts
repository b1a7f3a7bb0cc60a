// A tenant's settings for the http steps of its flows, in the orchestrator's schema: the hosts its
// flows may call and its named secrets. Secret values are sealed before they reach SQL, bound to the
// tenant and the name (a sealed value copied to another row does not open), and only
// resolveSecrets opens them, for the call that sends them; no read returns them.
import type pg from "pg";
import { AppError, asKeyring, createSecretBox, inTransaction, type Logger, type SecretBox, type SecretKeyring } from "@fleet/service-kit";
import { normaliseAllowedHosts } from "../flows/runtime/allowed-hosts.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The flow language's secret names (SecretName in flow.schema.ts). */
const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Printable ASCII: a secret goes into an HTTP header, where anything else is refused or mangled. */
const SECRET_VALUE = /^[\x20-\x7e]+$/;
export const MAX_SECRET_VALUE_LENGTH = 4096;

export interface TenantHttpSettings {
  /** Sorted entries: "api.example.com" or "*.example.com". */
  allowedHosts: string[];
  /** Sorted names of the tenant's secrets (never their values). */
  secretNames: string[];
}

/**
 * The box of tenants' http-step secrets: a key derived for this use alone from SECRETS_ENCRYPTION_KEY.
 * Its HKDF salt and info are fixed for good: stored secrets were sealed with the key they derive.
 */
export function createTenantSecretBox(keys: string | SecretKeyring): SecretBox {
  return createSecretBox({ ...asKeyring(keys), salt: "fleet.orchestrator", info: "tenant-http-secrets-v1" });
}

function requireTenant(tenantId: string): void {
  if (!UUID.test(tenantId)) throw new AppError("invalid_argument", "TENANT_ID_INVALID", "The tenant id must be a UUID");
}

function checkSecret(name: string, value: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new AppError("invalid_argument", "SECRET_NAME_INVALID", "A secret name is 1-64 upper case letters, digits and _, starting with a letter", { details: { name: name.slice(0, 64) } });
  }
  if (value.length === 0 || value.length > MAX_SECRET_VALUE_LENGTH || !SECRET_VALUE.test(value)) {
    throw new AppError("invalid_argument", "SECRET_VALUE_INVALID", `A secret value is 1-${MAX_SECRET_VALUE_LENGTH} printable ASCII characters`, { details: { name } });
  }
}

/** What the seal is bound to. */
export const secretContextOf = (tenantId: string, name: string): string => `${tenantId.toLowerCase()}/${name}`;

export function createTenantHttpSettingsRepository(pool: pg.Pool, box: SecretBox, logger?: Logger) {
  // The log names the secret under a key the logger's redaction leaves readable (a name, not a value).
  function openValue(tenantId: string, name: string, sealed: Buffer): string | undefined {
    try {
      return box.open(sealed, secretContextOf(tenantId, name)).value;
    } catch {
      logger?.error("a tenant secret cannot be decrypted with the configured key; set it again", { tenantId, name });
      return undefined;
    }
  }

  return {
    /** The tenant's allowed hosts and secret names; an unknown tenant has none. */
    async get(tenantId: string): Promise<TenantHttpSettings> {
      if (!UUID.test(tenantId)) return { allowedHosts: [], secretNames: [] };
      const [hosts, secrets] = await Promise.all([
        pool.query<{ host: string }>("SELECT host FROM tenant_http_hosts WHERE tenant_id = $1 ORDER BY host", [tenantId]),
        pool.query<{ name: string }>("SELECT name FROM tenant_http_secrets WHERE tenant_id = $1 ORDER BY name", [tenantId]),
      ]);
      return { allowedHosts: hosts.rows.map((row) => row.host), secretNames: secrets.rows.map((row) => row.name) };
    },

    /** Replaces the tenant's allowlist; returns it as stored. HTTP_HOST_INVALID / HTTP_HOSTS_TOO_MANY leave it as it was. */
    async setAllowedHosts(tenantId: string, hosts: readonly string[]): Promise<string[]> {
      requireTenant(tenantId);
      const normal = normaliseAllowedHosts(hosts);
      await inTransaction(pool, async (client) => {
        await client.query("DELETE FROM tenant_http_hosts WHERE tenant_id = $1", [tenantId]);
        await client.query("INSERT INTO tenant_http_hosts (tenant_id, host) SELECT $1, unnest($2::text[])", [tenantId, normal]);
      });
      return normal;
    },

    /** Creates or replaces the tenant's secret `name`. */
    async putSecret(tenantId: string, name: string, value: string): Promise<void> {
      requireTenant(tenantId);
      checkSecret(name, value);
      const sealed = box.seal({ value }, secretContextOf(tenantId, name));
      await pool.query(
        `INSERT INTO tenant_http_secrets (tenant_id, name, sealed) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, name) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`,
        [tenantId, name, sealed],
      );
    },

    /** Removes the tenant's secret `name`; false when it had none of that name. */
    async deleteSecret(tenantId: string, name: string): Promise<boolean> {
      if (!UUID.test(tenantId) || !SECRET_NAME.test(name)) return false;
      const { rowCount } = await pool.query("DELETE FROM tenant_http_secrets WHERE tenant_id = $1 AND name = $2", [tenantId, name]);
      return (rowCount ?? 0) > 0;
    },

    /**
     * The values of the tenant's secrets among `names`, decrypted. A name the tenant has not set is
     * absent, and so is one that does not open with the configured key (a rotated or mistyped
     * SECRETS_ENCRYPTION_KEY): the step then fails as if it were missing, and setting it again fixes it.
     */
    async resolveSecrets(tenantId: string, names: readonly string[]): Promise<Record<string, string>> {
      const wanted = [...new Set(names.filter((name) => SECRET_NAME.test(name)))];
      if (!UUID.test(tenantId) || wanted.length === 0) return {};
      const { rows } = await pool.query<{ name: string; sealed: Buffer }>("SELECT name, sealed FROM tenant_http_secrets WHERE tenant_id = $1 AND name = ANY($2::text[])", [tenantId, wanted]);
      const resolved: Record<string, string> = {};
      for (const row of rows) {
        const value = openValue(tenantId, row.name, row.sealed);
        if (value !== undefined) resolved[row.name] = value;
      }
      return resolved;
    },
  };
}

export type TenantHttpSettingsRepository = ReturnType<typeof createTenantHttpSettingsRepository>;
