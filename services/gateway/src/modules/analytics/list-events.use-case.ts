// The shop's event log for the dashboard (GET /api/analytics/events): stored events, newest first,
// filtered and in cursor pages. The events are the analytics worker's (asked over gRPC with the
// caller's tenant, never one from the request); the cursor is the last event's [occurredAt, id].
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import type { AnalyticsEvent } from "@fleet/contracts";
import { authorize, type Caller } from "../../auth/permissions.js";
import { decodeCursor, pageOf, type Page } from "../../http/pagination.js";
import type { AnalyticsWorkerClient, LoggedEvent } from "./analytics-worker.client.js";

export interface ListEventsInput {
  type?: AnalyticsEvent["type"] | undefined;
  botId?: string | undefined;
  contact?: string | undefined;
  /** ISO 8601 instant, inclusive. */
  from?: string | undefined;
  /** ISO 8601 instant, exclusive. */
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

const KeySchema = z.tuple([z.iso.datetime({ offset: true }), z.string().min(1).max(300)]);

function decodeEventCursor(cursor: string | undefined): { occurredAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const key = KeySchema.safeParse(decodeCursor(cursor, 2));
  if (!key.success) throw new AppError("invalid_argument", "INVALID_CURSOR", "The cursor is not one this list gave");
  return { occurredAt: new Date(key.data[0]), id: key.data[1] };
}

function instant(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new AppError("invalid_argument", "INVALID_RANGE", `${name} is an ISO 8601 instant`);
  return date;
}

export function createListEvents({ worker }: { worker: Pick<AnalyticsWorkerClient, "listEvents"> }) {
  return async function listEvents(caller: Caller, input: ListEventsInput): Promise<Page<LoggedEvent>> {
    authorize(caller, "analytics:read");
    const from = instant(input.from, "from");
    const to = instant(input.to, "to");
    if (from && to && from >= to) throw new AppError("invalid_argument", "INVALID_RANGE", "from must be before to");
    const after = decodeEventCursor(input.cursor);
    const rows = await worker.listEvents({ tenantId: caller.tenantId, type: input.type, botId: input.botId, contact: input.contact, from, to, after, limit: input.limit + 1 });
    return pageOf(rows, input.limit, (event) => [event.occurredAt, event.id]);
  };
}

export type ListEvents = ReturnType<typeof createListEvents>;
