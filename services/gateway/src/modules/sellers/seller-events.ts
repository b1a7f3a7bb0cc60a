// seller.assigned / seller.released on the fleet's events stream (analytics, the dashboard's live
// view). Ids are derived from the assignment, so a fact emitted twice is one fact for readers.
// Every committed assignment change comes through here (assigning, releasing, the timeout job), so
// this is also where the read caches it makes stale are dropped — customers show their current
// seller, sellers their load — before the event, so whoever reads on the news reads the change.
import type { Logger } from "@fleet/service-kit";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import type { EventsRepository } from "../../repositories/events.repository.js";
import type { AssignmentRecord } from "./sellers.repository.js";

export type SellerEvents = ReturnType<typeof createSellerEvents>;

export function createSellerEvents({
  events,
  stale,
  logger,
}: {
  events: Pick<EventsRepository, "emit">;
  /** The read caches an assignment change makes stale (customers', sellers'). */
  stale: ReadonlyArray<Pick<TenantReadsCache, "invalidate">>;
  logger: Pick<Logger, "warn">;
}) {
  // The assignment is already committed: a stream outage costs the event, not the assignment.
  const emit = async (event: Parameters<EventsRepository["emit"]>[0] & { tenantId: string }): Promise<void> => {
    // Together, in one write to Redis; the event only once all are dropped.
    await Promise.all(stale.map((cache) => cache.invalidate(event.tenantId)));
    await events.emit(event).catch((error: unknown) => {
      logger.warn("seller event not emitted", { type: event.type, error: error instanceof Error ? error.message : String(error) });
    });
  };
  return {
    assigned: (tenantId: string, assignment: AssignmentRecord) =>
      emit({
        id: `seller.assigned:${assignment.id}`,
        type: "seller.assigned",
        tenantId,
        ...(assignment.customerContact ? { contact: assignment.customerContact } : {}),
        attributes: { assignment_id: assignment.id, seller_id: assignment.sellerId, customer_id: assignment.customerId, reason: assignment.reason, strategy: assignment.strategy },
      }),
    released: (tenantId: string, released: { id: string; sellerId: string; customerId: string; customerContact: string | null; releaseReason: string | null }) =>
      emit({
        id: `seller.released:${released.id}`,
        type: "seller.released",
        tenantId,
        ...(released.customerContact ? { contact: released.customerContact } : {}),
        attributes: { assignment_id: released.id, seller_id: released.sellerId, customer_id: released.customerId, release_reason: released.releaseReason },
      }),
  };
}
