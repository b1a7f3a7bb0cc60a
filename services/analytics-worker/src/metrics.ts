// The analytics-worker's own Prometheus series, registered on the service registry.
import { Counter, type Registry } from "prom-client";
import { eventCollections } from "./repositories/events.repository.js";

export interface AnalyticsMetrics {
  eventsWritten: Counter<"collection">;
  eventsRejected: Counter;
  writeFailures: Counter;
}

export function createAnalyticsMetrics(registry: Registry): AnalyticsMetrics {
  const eventsWritten = new Counter({
    name: "analytics_events_written_total",
    help: "Events stored in MongoDB (duplicates of stored events included), by collection.",
    labelNames: ["collection"],
    registers: [registry],
  });
  // Every collection shows from the start, so a rate() over a quiet collection is 0, not absent.
  for (const collection of eventCollections) eventsWritten.inc({ collection }, 0);
  return {
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
