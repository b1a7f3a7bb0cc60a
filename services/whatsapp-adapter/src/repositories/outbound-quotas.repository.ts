// Tenants' outbound quotas (messages per minute through all their bots), in
// Postgres, read through a per-replica cache: a send must not query Postgres.
// A change empties this replica's cache at once and the others' within
// `ttlMs` (quotas change rarely, by an operator).
import type pg from "pg";
import { isUuid } from "./bots.repository.js";

export interface OutboundQuotasRepository {
  /** Messages per minute, or null when the tenant has no quota. */
  find(tenantId: string): Promise<number | null>;
  /** Sets (a number) or removes (null) the tenant's quota. */
  set(tenantId: string, messagesPerMinute: number | null): Promise<void>;
}

export function createOutboundQuotasRepository(pool: pg.Pool, { ttlMs, now = Date.now }: { ttlMs: number; now?: () => number }): OutboundQuotasRepository {
  const cache = new Map<string, { value: number | null; expires: number }>();
  const MAX_CACHED = 10_000;
  return {
    async find(tenantId) {
      if (!isUuid(tenantId)) return null;
      const hit = cache.get(tenantId);
      if (hit && hit.expires > now()) return hit.value;
      const { rows } = await pool.query<{ messages_per_minute: number }>("SELECT messages_per_minute FROM tenant_outbound_quotas WHERE tenant_id = $1", [tenantId]);
      const value = rows[0]?.messages_per_minute ?? null;
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(tenantId, { value, expires: now() + ttlMs });
      return value;
    },
    async set(tenantId, messagesPerMinute) {
      if (messagesPerMinute === null) await pool.query("DELETE FROM tenant_outbound_quotas WHERE tenant_id = $1", [tenantId]);
      else {
        await pool.query(
          `INSERT INTO tenant_outbound_quotas (tenant_id, messages_per_minute) VALUES ($1, $2)
           ON CONFLICT (tenant_id) DO UPDATE SET messages_per_minute = EXCLUDED.messages_per_minute, updated_at = now()`,
          [tenantId, messagesPerMinute],
        );
      }
      cache.delete(tenantId);
    },
  };
}
