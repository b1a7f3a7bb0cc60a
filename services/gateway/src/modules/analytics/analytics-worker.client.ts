// gRPC client of the analytics worker's AnalyticsService: the tenant's stored events (its logs of
// record in MongoDB; the gateway never reads MongoDB itself). Every call carries a deadline. The
// event list exists only while the worker has its storage: storage not configured (the worker's
// FAILED_PRECONDITION ANALYTICS_STORAGE_DISABLED), MongoDB away, the worker unreachable or too slow
// all become one retryable 503 ANALYTICS_STORAGE_UNAVAILABLE, with the reason in details; transport
// failures get a fixed message, because grpc-js writes the worker's internal address into its own.
// Answers are parsed here: attributes travel as JSON text.
import { z } from "zod";
import { analyticsEventTypes, type AnalyticsEvent } from "@fleet/contracts";
import { AnalyticsService, type StoredEvent as StoredEventMessage } from "@fleet/contracts/analytics";
import { createServiceClient, type ClientAuth } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";

export interface EventsQuery {
  tenantId: string;
  type?: AnalyticsEvent["type"] | undefined;
  botId?: string | undefined;
  contact?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Start after this event (the last of the previous page). */
  after?: { occurredAt: Date; id: string } | undefined;
  limit: number;
}

/** A stored event as the dashboard's event list shows it. */
export interface LoggedEvent {
  id: string;
  type: string;
  source: string;
  occurredAt: string;
  botId: string | null;
  contact: string | null;
  attributes: AnalyticsEvent["attributes"];
}

type StorageReason = "storage_disabled" | "storage_unreachable" | "worker_unreachable" | "worker_timeout";

const REASON_MESSAGES: Record<StorageReason, string> = {
  storage_disabled: "Event logs are not available: the analytics storage (MongoDB) is not configured",
  storage_unreachable: "Event logs are not available right now: the analytics storage cannot be reached; try again later",
  worker_unreachable: "Event logs are not available right now: the analytics worker cannot be reached; try again later",
  worker_timeout: "Event logs are not available right now: the analytics worker did not answer in time; try again later",
};

const storageUnavailable = (reason: StorageReason, cause: unknown) =>
  new AppError("unavailable", "ANALYTICS_STORAGE_UNAVAILABLE", REASON_MESSAGES[reason], { details: { reason }, cause });

/** The worker's errors as the gateway answers them. */
export function mapWorkerError(error: unknown): never {
  if (error instanceof AppError) {
    if (error.code === "ANALYTICS_STORAGE_DISABLED") throw storageUnavailable("storage_disabled", error);
    if (error.code === "ANALYTICS_STORAGE_UNAVAILABLE") throw storageUnavailable("storage_unreachable", error);
    // The bridge names errors the worker did not raise itself `GRPC_<STATUS>`: those are the transport's.
    if (error.code.startsWith("GRPC_")) throw storageUnavailable(error.kind === "deadline_exceeded" ? "worker_timeout" : "worker_unreachable", error);
  }
  throw error;
}

const AttributesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const EventTypeSchema = z.enum(analyticsEventTypes);

function invalidResponse(what: string): AppError {
  return new AppError("internal", "ANALYTICS_INVALID_RESPONSE", "The analytics worker gave an answer this gateway cannot read", { cause: new Error(what) });
}

function timestampOf(date: Date): { seconds: bigint; nanos: number } {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

function toLoggedEvent(event: StoredEventMessage): LoggedEvent {
  if (!event.occurTime) throw invalidResponse(`event ${event.id} has no occur_time`);
  const type = EventTypeSchema.safeParse(event.type);
  let json: unknown;
  try {
    json = JSON.parse(event.attributesJson || "{}");
  } catch {
    json = undefined;
  }
  const attributes = AttributesSchema.safeParse(json);
  if (!type.success || !attributes.success) throw invalidResponse(`event ${event.id} has an unknown type or malformed attributes`);
  return {
    id: event.id,
    type: type.data,
    source: event.source,
    occurredAt: new Date(Number(event.occurTime.seconds) * 1000 + Math.floor(event.occurTime.nanos / 1_000_000)).toISOString(),
    botId: event.botId ?? null,
    contact: event.contact ?? null,
    attributes: attributes.data,
  };
}

export function createAnalyticsWorkerClient(address: string, { deadlineMs, auth }: { deadlineMs: number; auth?: ClientAuth }) {
  const client = createServiceClient(AnalyticsService, address, { defaultDeadlineMs: deadlineMs, ...(auth ? { auth } : {}) });
  return {
    /** The events of the query, newest first, at most `limit`. */
    async listEvents(query: EventsQuery): Promise<LoggedEvent[]> {
      const response = await client
        .listEvents({
          tenantId: query.tenantId,
          type: query.type ?? "",
          ...(query.botId === undefined ? {} : { botId: query.botId }),
          ...(query.contact === undefined ? {} : { contact: query.contact }),
          ...(query.from ? { fromTime: timestampOf(query.from) } : {}),
          ...(query.to ? { toTime: timestampOf(query.to) } : {}),
          ...(query.after ? { after: { occurTime: timestampOf(query.after.occurredAt), id: query.after.id } } : {}),
          limit: query.limit,
        })
        .catch(mapWorkerError);
      return response.events.map(toLoggedEvent);
    },
    close(): void {
      client.close();
    },
  };
}

export type AnalyticsWorkerClient = ReturnType<typeof createAnalyticsWorkerClient>;
