// The analytics worker's real AnalyticsService for the gateway's tests, served by the gRPC bridge on
// port 0: without storage (no MONGO_URL, as on these machines) it answers as the worker does then;
// with `stored: true` its reads run on mingo over the events the test adds, stored exactly as the
// worker stores them (the same filters and sorts MongoDB would get).
import type { AnalyticsEvent } from "@fleet/contracts";
import { startGrpcServer } from "@fleet/grpc-bridge";
import { createMetrics } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { analyticsService } from "../../analytics-worker/src/grpc/analytics.handler.js";
import { toStoredEvent, type StoredEvent } from "../../analytics-worker/src/repositories/events.repository.js";
import { createListEvents } from "../../analytics-worker/src/use-cases/list-events.use-case.js";
import { mingoEventLog } from "../../analytics-worker/test/mingo-event-log.js";

export interface AnalyticsWorkerHarness {
  /** gRPC address for the gateway's analytics worker client. */
  address: string;
  /** Stores events as the worker's events consumer would (only with `stored: true`). */
  store(events: readonly AnalyticsEvent[]): void;
  stop(): Promise<void>;
}

export async function startAnalyticsWorker({ stored = false }: { stored?: boolean } = {}): Promise<AnalyticsWorkerHarness> {
  const documents: StoredEvent[] = [];
  const listEvents = createListEvents({ log: stored ? mingoEventLog(documents) : null });
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0, logger: memoryLogger("analytics-worker", "error").logger, metrics: createMetrics("analytics-worker"), services: [analyticsService({ listEvents })] });
  return {
    address: `127.0.0.1:${server.port}`,
    store(events) {
      if (!stored) throw new Error("this worker has no storage");
      documents.push(...events.map((event) => toStoredEvent(event, new Date())));
    },
    stop: () => server.stop(100),
  };
}
