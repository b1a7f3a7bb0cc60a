// Records a payment (partial or full) against an order. The balance is total − paid; a payment
// larger than the balance is refused (409 PAYMENT_EXCEEDS_BALANCE): refunds and credit are not
// modelled, so paid never exceeds the total. A cancelled order takes no payments.
import { AppError } from "@fleet/service-kit";
import { authorize, type Caller } from "../../auth/permissions.js";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import { actorName, orderNotFound } from "./order-rules.js";
import type { OrderDetail, OrdersStore } from "./orders.repository.js";

export interface PaymentInput {
  amountMinor: number;
  method: string;
  reference?: string;
  /** When the money was received (default: now). */
  paidAt?: string;
}

export function createRecordPayment({ orders, cache }: { orders: Pick<OrdersStore, "forTenant" | "transaction">; cache: Pick<TenantReadsCache, "invalidate"> }) {
  return async function recordPayment(actor: Caller, orderId: string, input: PaymentInput): Promise<OrderDetail> {
    authorize(actor, "orders:write");
    if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < 1) throw new AppError("invalid_argument", "INVALID_AMOUNT", "A payment is a whole, positive number of minor units");
    const id = await orders.transaction(actor.tenantId, async (tx) => {
      const order = await tx.lock(orderId);
      if (!order) throw orderNotFound();
      if (order.status === "cancelled") throw new AppError("conflict", "ORDER_CANCELLED", "A cancelled order takes no payments");
      if (input.amountMinor > order.balanceMinor) {
        throw new AppError("conflict", "PAYMENT_EXCEEDS_BALANCE", "The payment is larger than what the order still owes", { details: { balanceMinor: order.balanceMinor, amountMinor: input.amountMinor } });
      }
      await tx.addPayment(order.id, { amountMinor: input.amountMinor, method: input.method, reference: input.reference ?? "", paidAt: input.paidAt ?? null, recordedBy: actorName(actor) });
      return order.id;
    });
    await cache.invalidate(actor.tenantId);
    const order = await orders.forTenant(actor.tenantId).find(id);
    if (!order) throw orderNotFound();
    return order;
  };
}

export type RecordPayment = ReturnType<typeof createRecordPayment>;
