// The analytics-worker's own Prometheus series, registered on the service registry.
import { Counter, type Registry } from "prom-client";
import { eventCollections } from "./repositories/events.repository.js";

export interface AnalyticsMetrics {
  eventsWritten: Counter<"collection">;
  eventsRejected: Counter;
  writeFailures: Counter;
  rollupEvents: Counter<"outcome">;
  rollupCorrections: Counter<"bucket">;
}

/** What the rollups consumer did with an entry of the `events` stream. */
export const rollupOutcomes = ["folded", "duplicate", "ignored", "malformed"] as const;
export type RollupOutcome = (typeof rollupOutcomes)[number];

export function createAnalyticsMetrics(registry: Registry): AnalyticsMetrics {
  const eventsWritten = new Counter({
    name: "analytics_events_written_total",
    help: "Events stored in MongoDB (duplicates of stored events included), by collection.",
    labelNames: ["collection"],
    registers: [registry],
  });
  // Every collection shows from the start, so a rate() over a quiet collection is 0, not absent.
  for (const collection of eventCollections) eventsWritten.inc({ collection }, 0);
  const rollupEvents = new Counter({
    name: "analytics_rollup_events_total",
    help: "Entries of the events stream handled by the live rollups, by outcome: folded, duplicate (counted before), ignored (a type not counted, or older than every bucket), malformed (not a valid event; acknowledged).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  for (const outcome of rollupOutcomes) rollupEvents.inc({ outcome }, 0);
  const rollupCorrections = new Counter({
    name: "analytics_rollup_corrections_total",
    help: "Rollup buckets the reconciliation from MongoDB changed, by bucket: hour, bots (an hour's active bots), day.",
    labelNames: ["bucket"],
    registers: [registry],
  });
  for (const bucket of ["hour", "bots", "day"]) rollupCorrections.inc({ bucket }, 0);
  return {
    rollupEvents,
    rollupCorrections,
    eventsWritten,
    eventsRejected: new Counter({
      name: "analytics_events_rejected_total",
      help: "Stream entries that are not a valid AnalyticsEvent; logged and acknowledged.",
      registers: [registry],
    }),
    writeFailures: new Counter({
      name: "analytics_write_failures_total",
      help: "Batch writes to MongoDB that failed; their events stay pending in the stream.",
      registers: [registry],
    }),
  };
}
