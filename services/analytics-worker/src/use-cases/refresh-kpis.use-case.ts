// Computes the per-tenant KPIs from MongoDB and caches them in Redis, where the
// gateway reads them. One replica per interval does the work (Redis lease).
import type { TenantMessages } from "../kpis/messages-per-tenant.pipeline.js";
import type { KpiCacheRepository } from "../repositories/kpi-cache.repository.js";
import type { KpiRepository } from "../repositories/kpi.repository.js";

export const MESSAGES_24H = "messages_24h";

/** What `analytics:metrics:<tenantId>:messages_24h` holds. */
export interface CachedTenantMessages extends TenantMessages {
  windowHours: number;
  computedAt: string;
}

export interface RefreshKpisDeps {
  kpis: KpiRepository;
  cache: KpiCacheRepository;
  /** Lifetime of the cached values, in seconds. */
  ttlS: number;
  /** Names this replica in the lease. */
  holder: string;
  /** How long a refresh keeps other replicas from refreshing, in milliseconds (a bit less than the interval). */
  leaseMs: number;
  now?: () => Date;
}

export type RefreshKpisResult = { refreshed: true; tenants: number } | { refreshed: false; reason: "another replica refreshed" };

export function createRefreshKpis({ kpis, cache, ttlS, holder, leaseMs, now = () => new Date() }: RefreshKpisDeps): () => Promise<RefreshKpisResult> {
  return async () => {
    if (!(await cache.tryLead(holder, leaseMs))) return { refreshed: false, reason: "another replica refreshed" };
    const at = now();
    const windowHours = 24;
    const rows = await kpis.messagesPerTenant(at, windowHours);
    const values = rows.map((row): { tenantId: string; value: CachedTenantMessages } => ({
      tenantId: row.tenantId,
      value: { ...row, windowHours, computedAt: at.toISOString() },
    }));
    await cache.save(MESSAGES_24H, values, ttlS);
    return { refreshed: true, tenants: rows.length };
  };
}
