// Moves an order along its lifecycle (order-status.ts), recording who and when. Cancelling puts
// back exactly the stock the order reserved, once, in the same transaction.
import { authorize, type Caller } from "../../auth/permissions.js";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import { actorName, orderNotFound, type PublishEvents, type StockChanges } from "./order-rules.js";
import { assertTransition, type OrderStatus } from "./order-status.js";
import type { OrderDetail, OrdersStore } from "./orders.repository.js";

export interface ChangeStatusInput {
  status: OrderStatus;
  note?: string;
}

export function createChangeStatus({ orders, cache, publish, stock }: { orders: Pick<OrdersStore, "forTenant" | "transaction">; cache: Pick<TenantReadsCache, "invalidate">; publish: PublishEvents; stock: StockChanges }) {
  return async function changeStatus(actor: Caller, orderId: string, { status, note = "" }: ChangeStatusInput): Promise<OrderDetail> {
    authorize(actor, "orders:write");
    const by = actorName(actor);
    const before = await orders.transaction(actor.tenantId, async (tx) => {
      const order = await tx.lock(orderId);
      if (!order) throw orderNotFound();
      assertTransition(order.status, status);
      await tx.setStatus(order.id, status);
      await tx.recordStatus(order.id, { from: order.status, to: status, by, note });
      const restored = status === "cancelled" && (await tx.restoreStock(order.id));
      return { ...order, restored };
    });
    await cache.invalidate(actor.tenantId);
    if (before.restored) await stock.changed(actor.tenantId, []);
    const order = await orders.forTenant(actor.tenantId).find(before.id);
    if (!order) throw orderNotFound();
    await publish([
      {
        id: `order.status_changed:${order.id}:${status}`,
        type: "order.status_changed",
        tenantId: actor.tenantId,
        ...(order.botId ? { botId: order.botId } : {}),
        ...(order.customer.whatsappId ? { contact: order.customer.whatsappId } : {}),
        attributes: { orderId: order.id, number: order.number, from: before.status, to: status, by },
      },
    ]);
    return order;
  };
}

export type ChangeStatus = ReturnType<typeof createChangeStatus>;
