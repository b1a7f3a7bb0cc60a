// CommerceService.CreateOrder and ListCustomerOrders: the orchestrator takes an order in a
// conversation (idempotent by its key, per tenant) and shows a customer their latest orders.
import { DeliveryMethod as DeliveryMethodMessage, OrderStatus as OrderStatusMessage } from "@fleet/contracts/commerce";
import { AppError } from "@fleet/service-kit";
import { z } from "zod";
import type { CommerceHandlers } from "../../app.js";
import { contactOf } from "../customers/customers-commerce.handler.js";
import { serviceActorFor, timestampOf, type ReplyOf } from "../customers/service-actor.js";
import type { CreateOrder } from "./create-order.use-case.js";
import type { OrderStatus } from "./order-status.js";
import type { OrderLineRecord, OrderRecord } from "./orders.repository.js";
import type { ReadOrders } from "./read-orders.use-case.js";

const STATUS_MESSAGE: Record<OrderStatus, OrderStatusMessage> = {
  pending: OrderStatusMessage.PENDING,
  confirmed: OrderStatusMessage.CONFIRMED,
  in_process: OrderStatusMessage.IN_PROCESS,
  packed: OrderStatusMessage.PACKED,
  ready: OrderStatusMessage.READY,
  on_the_way: OrderStatusMessage.ON_THE_WAY,
  delivered: OrderStatusMessage.DELIVERED,
  cancelled: OrderStatusMessage.CANCELLED,
};

const DEFAULT_LIST = 5;
const MAX_LIST = 20;
const BotIdSchema = z.uuid();

type OrderMessage = NonNullable<ReplyOf<"createOrder">["order"]>;

function toOrderMessage(order: OrderRecord & { lines: OrderLineRecord[] }): OrderMessage {
  const money = (amountMinor: number) => ({ currency: order.currency, amountMinor: BigInt(amountMinor) });
  return {
    id: order.id,
    number: String(order.number),
    status: STATUS_MESSAGE[order.status],
    lines: order.lines.map((line) => ({ productId: line.productId, variantId: line.variantId ?? "", quantity: line.quantity, unitPrice: money(line.unitPriceMinor), name: line.name, sku: line.sku })),
    subtotal: money(order.subtotalMinor),
    discount: money(order.discountMinor),
    tax: money(order.taxMinor),
    delivery: money(order.deliveryMinor),
    total: money(order.totalMinor),
    paid: money(order.paidMinor),
    balance: money(order.balanceMinor),
    deliveryMethod: order.deliveryMethod === "delivery" ? DeliveryMethodMessage.DELIVERY : DeliveryMethodMessage.PICKUP,
    customerId: order.customer.id,
    sellerId: order.sellerId ?? "",
    createTime: timestampOf(order.createdAt),
  };
}

function idempotencyKeyOf(key: string): string {
  if (key === "") throw new AppError("invalid_argument", "IDEMPOTENCY_KEY_REQUIRED", "idempotency_key is required");
  if (key.length > 180) throw new AppError("invalid_argument", "INVALID_IDEMPOTENCY_KEY", "idempotency_key has at most 180 characters");
  return `chat:${key}`;
}

export function ordersCommerceHandlers({ createOrder, read }: { createOrder: CreateOrder; read: ReadOrders }): CommerceHandlers {
  return {
    async createOrder(request) {
      const actor = serviceActorFor(request.tenantId);
      if (request.botId !== "" && !BotIdSchema.safeParse(request.botId).success) throw new AppError("invalid_argument", "INVALID_BOT_ID", "bot_id must be a UUID");
      try {
        const { order, replayed } = await createOrder(actor, {
          source: "chat",
          botId: request.botId || null,
          customer: contactOf(request.customerContact, request.customerName),
          lines: request.lines.map((line) => ({ productId: line.productId, variantId: line.variantId || null, quantity: line.quantity })),
          deliveryMethod: request.deliveryMethod === DeliveryMethodMessage.DELIVERY ? "delivery" : "pickup",
          deliveryAddress: request.deliveryAddress.slice(0, 1000),
          notes: request.notes.slice(0, 4000),
          idempotencyKey: idempotencyKeyOf(request.idempotencyKey),
        });
        return { order: toOrderMessage(order), replayed };
      } catch (error) {
        // Over gRPC, missing stock is a precondition of the call (the flow tells the customer), with the same code and lines.
        if (error instanceof AppError && error.code === "OUT_OF_STOCK") throw new AppError("failed_precondition", error.code, error.message, { details: error.details });
        throw error;
      }
    },

    async listCustomerOrders(request) {
      const actor = serviceActorFor(request.tenantId);
      if (request.limit < 0) throw new AppError("invalid_argument", "INVALID_LIMIT", "limit cannot be negative");
      const limit = Math.min(request.limit || DEFAULT_LIST, MAX_LIST);
      const { whatsappId } = contactOf(request.customerContact, "");
      const orders = await read.latestOfContact(actor, whatsappId, limit);
      return { orders: orders.map(toOrderMessage) };
    },
  };
}
