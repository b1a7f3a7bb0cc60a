// What the orders use cases share: stable errors, who acted (for the history), and the events
// published after a commit (a failed publish is logged, never undoes a committed order).
import { AppError, type Logger } from "@fleet/service-kit";
import { isServiceActor, type Caller } from "../../auth/permissions.js";
import type { EventsRepository, GatewayEventInput } from "../../repositories/events.repository.js";
import type { CatalogueCache } from "../catalogue/catalogue.cache.js";
import type { StockLevel } from "../catalogue/catalogue.repository.js";
import { emitLowStock } from "../catalogue/stock-events.js";

export const orderNotFound = () => new AppError("not_found", "ORDER_NOT_FOUND", "Order not found");

/** The history's "who": the dashboard user's id, or "bot" for a conversation. */
export function actorName(caller: Caller): string {
  return isServiceActor(caller) ? "bot" : caller.userId;
}

export type PublishEvents = (events: GatewayEventInput[]) => Promise<void>;

export function createPublisher({ events, logger }: { events: Pick<EventsRepository, "emit">; logger: Logger }): PublishEvents {
  return async (list) => {
    for (const event of list) {
      await events.emit(event).catch((error: unknown) => logger.warn("order event not published", { type: event.type, id: event.id, error: error instanceof Error ? error.message : String(error) }));
    }
  };
}

/** What follows a committed change of stock by an order: the catalogue's cached reads are dropped, and levels at or below their minimum emit stock.low. */
export interface StockChanges {
  changed(tenantId: string, levels: readonly StockLevel[]): Promise<void>;
}

export function createStockChanges({ cache, events, logger }: { cache: Pick<CatalogueCache, "invalidate">; events: Pick<EventsRepository, "emit">; logger: Logger }): StockChanges {
  return {
    async changed(tenantId, levels) {
      await cache.invalidate(tenantId);
      await emitLowStock(events, tenantId, levels).catch((error: unknown) => logger.warn("stock.low not published", { error: error instanceof Error ? error.message : String(error) }));
    },
  };
}
