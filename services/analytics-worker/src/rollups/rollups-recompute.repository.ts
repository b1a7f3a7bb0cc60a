// Runs the rollup pipelines (rollups.pipeline.ts) over the stored events and assembles their rows
// into hour targets per tenant, the shape the correction script takes. The aggregation itself is a
// function, so the same code runs on the MongoDB driver in production and on mingo in the parity test.
import { z } from "zod";
import type { PipelineStage } from "../kpis/messages-per-tenant.pipeline.js";
import type { MongoConnection } from "../repositories/mongo.js";
import { CONVERSION_PIPELINE_COLLECTION, ROLLUP_PIPELINE_COLLECTION, activeBotsPipeline, conversionsPipeline, rollupCountersPipeline } from "./rollups.pipeline.js";
import type { HourTarget } from "./rollups.repository.js";

/** Runs one pipeline on one collection and returns its documents. */
export type Aggregate = (collection: string, pipeline: PipelineStage[]) => Promise<unknown[]>;

export interface TenantHourTarget extends HourTarget {
  tenantId: string;
}

export interface RollupsRecomputeRepository {
  /** What every tenant's hour buckets of [from, to) must hold, by tenant then hour; hours without folded events are absent. */
  recompute(from: Date, to: Date): Promise<TenantHourTarget[]>;
}

const HourSchema = z.string().regex(/^\d{10}$/);
const FieldRowSchema = z.object({ tenantId: z.string().min(1), hour: HourSchema, field: z.string().min(1), value: z.number().finite() });
const BotsRowSchema = z.object({ tenantId: z.string().min(1), hour: HourSchema, bots: z.array(z.string().min(1)) });

export function createRollupsRecomputeRepository(aggregate: Aggregate): RollupsRecomputeRepository {
  return {
    async recompute(from, to) {
      const [counters, conversions, bots] = await Promise.all([
        aggregate(ROLLUP_PIPELINE_COLLECTION, rollupCountersPipeline(from, to)),
        aggregate(CONVERSION_PIPELINE_COLLECTION, conversionsPipeline(from, to)),
        aggregate(ROLLUP_PIPELINE_COLLECTION, activeBotsPipeline(from, to)),
      ]);
      const hours = new Map<string, TenantHourTarget>();
      const target = (tenantId: string, hour: string) => {
        const key = `${tenantId}\u0000${hour}`;
        let found = hours.get(key);
        if (!found) {
          found = { tenantId, hour, fields: {}, bots: [] };
          hours.set(key, found);
        }
        return found;
      };
      for (const row of z.array(FieldRowSchema).parse([...counters, ...conversions])) target(row.tenantId, row.hour).fields[row.field] = row.value;
      for (const row of z.array(BotsRowSchema).parse(bots)) target(row.tenantId, row.hour).bots = [...row.bots].sort();
      return [...hours.values()].sort((a, b) => (a.tenantId === b.tenantId ? a.hour.localeCompare(b.hour) : a.tenantId < b.tenantId ? -1 : 1));
    },
  };
}

/** The aggregation on MongoDB: connects first (see MongoConnection.connect); large windows may spill to disk. */
export function mongoAggregate(connection: MongoConnection): Aggregate {
  return async (collection, pipeline) => {
    await connection.connect();
    return connection.db.collection(collection).aggregate(pipeline, { allowDiskUse: true }).toArray();
  };
}
