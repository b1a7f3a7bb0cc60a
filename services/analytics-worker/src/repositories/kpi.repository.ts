// Runs the KPI aggregation pipelines against MongoDB.
import { messagesPerTenantPipeline, type TenantMessages } from "../kpis/messages-per-tenant.pipeline.js";
import type { MongoConnection } from "./mongo.js";

export interface KpiRepository {
  messagesPerTenant(now: Date, windowHours: number): Promise<TenantMessages[]>;
}

export function createKpiRepository(connection: MongoConnection): KpiRepository {
  return {
    async messagesPerTenant(now, windowHours) {
      await connection.connect();
      return connection.db.collection("message_logs").aggregate<TenantMessages>(messagesPerTenantPipeline(now, windowHours)).toArray();
    },
  };
}
