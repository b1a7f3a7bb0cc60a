// An order as the API shows it: the REST answers' schemas, and what the read cache checks entries
// against when they come back from Redis.
import { z } from "zod";
import { pageSchema } from "../../http/pagination.js";
import { orderStatuses } from "./order-status.js";

export const StatusSchema = z.enum(orderStatuses).meta({ id: "OrderStatus", description: "pending → confirmed → in_process → packed → ready → on_the_way → delivered, or cancelled" });
export const DeliveryMethodSchema = z.enum(["pickup", "delivery"]);
export const Time = z.iso.datetime({ offset: true });

export const OrderSchema = z
  .object({
    id: z.uuid(),
    number: z.number().int().meta({ description: "The shop's order number" }),
    status: StatusSchema,
    source: z.enum(["chat", "dashboard"]),
    customer: z.object({ id: z.uuid(), name: z.string(), phone: z.string().nullable(), whatsappId: z.string().nullable() }).meta({ description: "The customer as they were when ordering" }),
    sellerId: z.uuid().nullable(),
    botId: z.uuid().nullable(),
    currency: z.string(),
    subtotalMinor: z.number().int(),
    discountMinor: z.number().int(),
    taxRateBps: z.number().int().meta({ description: "Tax rate in basis points (1600 = 16 %), applied to subtotal − discount, rounded half up" }),
    taxMinor: z.number().int(),
    deliveryMinor: z.number().int(),
    totalMinor: z.number().int(),
    paidMinor: z.number().int(),
    balanceMinor: z.number().int().meta({ description: "totalMinor − paidMinor" }),
    paymentMethod: z.string(),
    deliveryMethod: DeliveryMethodSchema,
    deliveryAddress: z.string(),
    notes: z.string(),
    createdBy: z.string().meta({ description: "The user who took the order, or `bot`" }),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: "Order" });

export const OrderDetailSchema = OrderSchema.extend({
  lines: z.array(
    z
      .object({ productId: z.uuid(), variantId: z.uuid().nullable(), sku: z.string(), name: z.string(), unitPriceMinor: z.number().int(), quantity: z.number().int(), lineTotalMinor: z.number().int() })
      .meta({ id: "OrderLine" }),
  ),
  payments: z.array(z.object({ id: z.uuid(), amountMinor: z.number().int(), method: z.string(), reference: z.string(), paidAt: Time, recordedBy: z.string() }).meta({ id: "OrderPayment" })),
  statusHistory: z.array(z.object({ from: StatusSchema.nullable(), to: StatusSchema, by: z.string(), at: Time, note: z.string() }).meta({ id: "OrderStatusChange" })),
  allowedStatuses: z.array(StatusSchema).meta({ description: "The statuses the order may move to now (POST /orders/{orderId}/status)" }),
}).meta({ id: "OrderDetail" });

export const OrderPageSchema = pageSchema(OrderSchema);
/** One order as read, before the API adds the statuses it may move to. */
export const StoredOrderDetailSchema = OrderDetailSchema.omit({ allowedStatuses: true });
/** A contact's latest orders with their lines (CommerceService.ListCustomerOrders). */
export const OrdersWithLinesSchema = z.array(OrderSchema.extend({ lines: OrderDetailSchema.shape.lines }));
