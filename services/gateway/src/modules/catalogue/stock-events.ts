// The stock.low rule, for every writer of stock (stock adjustments, imports, order reservations):
// a product or variant whose stock is at or below its minimum after a change emits `stock.low`.
import { randomUUID } from "node:crypto";
import type { EventsRepository } from "../../repositories/events.repository.js";
import type { StockLevel } from "./catalogue.repository.js";

/** Emits `stock.low` for each level at or below its minimum; answers how many were low. */
export async function emitLowStock(events: Pick<EventsRepository, "emit">, tenantId: string, levels: readonly StockLevel[]): Promise<number> {
  const low = levels.filter((level) => level.stock <= level.stockMin);
  for (const level of low) {
    await events.emit({
      id: `stock.low:${level.variantId ?? level.productId}:${randomUUID()}`,
      type: "stock.low",
      tenantId,
      attributes: { product_id: level.productId, variant_id: level.variantId, sku: level.sku, stock: level.stock, min: level.stockMin },
    });
  }
  return low.length;
}
