// The shared throttle of KPI pushes, in Redis so it holds across gateway replicas: a tenant's push
// slot (SET NX PX: one claimant per interval) and its "again" mark (events came while the slot was
// held, so one more push is due). Both keys of a tenant share its hash tag.
import type { RedisClient } from "@fleet/service-kit";

const slotKey = (tenantId: string) => `dashboard:kpis:{${tenantId}}:slot`;
const againKey = (tenantId: string) => `dashboard:kpis:{${tenantId}}:again`;

export function createKpiPushRepository(redis: RedisClient) {
  return {
    /** Claims the tenant's push slot for `ms`; false when another push (of any replica) holds it. */
    async claim(tenantId: string, ms: number): Promise<boolean> {
      return (await redis.set(slotKey(tenantId), "1", "PX", ms, "NX")) === "OK";
    },
    /** Notes that events changed the tenant's KPIs while its slot was held. */
    async markAgain(tenantId: string, ms: number): Promise<void> {
      await redis.set(againKey(tenantId), "1", "PX", ms);
    },
    /** Whether such events came since the last call (and clears the note). */
    async takeAgain(tenantId: string): Promise<boolean> {
      return (await redis.del(againKey(tenantId))) > 0;
    },
  };
}

export type KpiPushRepository = ReturnType<typeof createKpiPushRepository>;
