// The worker's internal gRPC AnalyticsService (fleet.analytics.v1), for the gateway: wire data →
// a use-case call → wire data. Bad arguments are INVALID_ARGUMENT with a stable code; the use case
// decides storage errors (FAILED_PRECONDITION ANALYTICS_STORAGE_DISABLED without MongoDB,
// UNAVAILABLE ANALYTICS_STORAGE_UNAVAILABLE while it is away).
import { AnalyticsService, type ListEventsRequest } from "@fleet/contracts/analytics";
import { analyticsEventTypes, type AnalyticsEvent } from "@fleet/contracts";
import { implement, type ServiceRegistration } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";
import type { StoredEvent } from "../repositories/events.repository.js";
import type { ListEvents, ListEventsQuery } from "../use-cases/list-events.use-case.js";

interface Timestamp {
  seconds: bigint;
  nanos: number;
}

const dateOf = (timestamp: Timestamp): Date => new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000));

function timestampOf(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

const invalid = (code: string, message: string) => new AppError("invalid_argument", code, message);

function isEventType(type: string): type is AnalyticsEvent["type"] {
  return (analyticsEventTypes as readonly string[]).includes(type);
}

/** The use case's query from the request; throws INVALID_ARGUMENT for what cannot be one. */
export function queryOf(request: ListEventsRequest): ListEventsQuery {
  if (request.tenantId.length === 0) throw invalid("TENANT_REQUIRED", "tenant_id is required");
  if (request.type !== "" && !isEventType(request.type)) throw invalid("INVALID_EVENT_TYPE", `unknown event type ${request.type}`);
  const from = request.fromTime ? dateOf(request.fromTime) : undefined;
  const to = request.toTime ? dateOf(request.toTime) : undefined;
  if (from && to && from >= to) throw invalid("INVALID_RANGE", "from_time must be before to_time");
  if (request.after && (request.after.id.length === 0 || !request.after.occurTime)) throw invalid("INVALID_CURSOR", "after needs occur_time and id");
  return {
    tenantId: request.tenantId,
    type: request.type === "" ? undefined : request.type,
    botId: request.botId,
    contact: request.contact,
    from,
    to,
    after: request.after?.occurTime ? { occurredAt: dateOf(request.after.occurTime), id: request.after.id } : undefined,
    limit: request.limit,
  };
}

function toWire(event: StoredEvent) {
  return {
    id: event._id,
    type: event.type,
    source: event.source,
    occurTime: timestampOf(event.occurredAt),
    ...(event.botId === undefined ? {} : { botId: event.botId }),
    ...(event.contact === undefined ? {} : { contact: event.contact }),
    attributesJson: JSON.stringify(event.attributes ?? {}),
  };
}

export function analyticsService({ listEvents }: { listEvents: ListEvents }): ServiceRegistration {
  return implement(AnalyticsService, {
    async listEvents(request) {
      const events = await listEvents(queryOf(request));
      return { events: events.map(toWire) };
    },
  });
}
