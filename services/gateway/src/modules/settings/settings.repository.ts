// The shop's settings in `tenants.settings` (jsonb). The document also holds keys this module does
// not manage (rateLimitPerMinute, read by the rate limiter): a change merges the keys it names
// and removes the ones cleared, never rewrites the whole document.
import type pg from "pg";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StoredSettings {
  /** The shop's (tenant's) name. */
  name: string;
  document: unknown;
}

export function createSettingsRepository(pool: pg.Pool) {
  return {
    /** The shop's name and raw settings document; null when the tenant does not exist. */
    async find(tenantId: string): Promise<StoredSettings | null> {
      if (!UUID.test(tenantId)) return null;
      const { rows } = await pool.query<{ name: string; settings: unknown }>("SELECT name, settings FROM tenants WHERE id = $1", [tenantId]);
      return rows[0] ? { name: rows[0].name, document: rows[0].settings } : null;
    },
    /** Sets the keys of `set`, removes `unset`; the whole document after, or null when the tenant does not exist. */
    async merge(tenantId: string, set: Record<string, unknown>, unset: readonly string[]): Promise<unknown> {
      if (!UUID.test(tenantId)) return null;
      const { rows } = await pool.query<{ settings: unknown }>("UPDATE tenants SET settings = (settings || $2::jsonb) - $3::text[] WHERE id = $1 RETURNING settings", [
        tenantId,
        JSON.stringify(set),
        [...unset],
      ]);
      return rows[0] ? rows[0].settings : null;
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
