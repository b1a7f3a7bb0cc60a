// What the CommerceService handlers of customers and orders share: the orchestrator acting for the
// tenant a request names (checked to be a UUID, so a bad one is INVALID_ARGUMENT, not a SQL error),
// and timestamps on the wire.
import { AppError } from "@fleet/service-kit";
import { z } from "zod";
import type { CommerceHandlers } from "../../app.js";
import type { ServiceActor } from "../../auth/permissions.js";

/** What a CommerceService handler answers (the generated message's initialiser). */
export type ReplyOf<K extends keyof CommerceHandlers> = Awaited<ReturnType<NonNullable<CommerceHandlers[K]>>>;

const TenantIdSchema = z.uuid();

export function serviceActorFor(tenantId: string): ServiceActor {
  if (!TenantIdSchema.safeParse(tenantId).success) throw new AppError("invalid_argument", "INVALID_TENANT_ID", "tenant_id must be a UUID");
  return { service: "bot-orchestrator", tenantId };
}

/** An ISO time as a google.protobuf.Timestamp initialiser. */
export function timestampOf(iso: string): { seconds: bigint; nanos: number } {
  const ms = Date.parse(iso);
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}
