// /api/orders: the shop's orders — list, take one from the dashboard, read it with its lines,
// payments and history, move it along its lifecycle, record payments — and
// /api/customers/{customerId}/orders. Money is integer minor units of the order's currency.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { userRoute, type Route } from "../../http/routes.js";
import { PageQuery } from "../../http/pagination.js";
import { CustomerParams, WhatsappIdSchema } from "../customers/customers.routes.js";
import type { ChangeStatus } from "./change-status.use-case.js";
import { MAX_LINES, type CreateOrder } from "./create-order.use-case.js";
import { allowedTransitions } from "./order-status.js";
import { DeliveryMethodSchema, OrderDetailSchema, OrderPageSchema, StatusSchema, Time } from "./orders.schemas.js";
import type { OrderDetail } from "./orders.repository.js";
import type { ReadOrders } from "./read-orders.use-case.js";
import type { RecordPayment } from "./record-payment.use-case.js";

const Minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** An order as the API shows it: with the statuses it may move to, from the one transition table. */
const shown = (order: OrderDetail) => ({ ...order, allowedStatuses: [...allowedTransitions(order.status)] });

const OrderParams = z.object({ orderId: z.uuid("must be a UUID") });

const ListQuery = PageQuery.extend({
  status: StatusSchema.optional(),
  customerId: z.uuid("must be a UUID").optional(),
  sellerId: z.uuid("must be a UUID").optional(),
  from: Time.optional().meta({ description: "Created at or after" }),
  to: Time.optional().meta({ description: "Created before" }),
  sort: z.enum(["createdAt", "-createdAt"]).default("-createdAt"),
});

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,128}$/;
const IdempotencyHeaders = z.object({
  "idempotency-key": z.string().optional().meta({ description: "Optional: 8-128 characters of A-Z a-z 0-9 _ - : .; the same key answers the first order again" }),
});

function idempotencyKeyOf(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  if (!IDEMPOTENCY_KEY.test(value)) throw new AppError("invalid_argument", "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ - : .");
  return `dashboard:${value}`;
}

const NewOrderBody = z
  .object({
    customerId: z.uuid("must be a UUID").optional(),
    whatsappId: WhatsappIdSchema.optional().meta({ description: "Instead of customerId: the customer's WhatsApp id (created when unknown)" }),
    customerName: z.string().trim().max(200).default(""),
    lines: z
      .array(z.object({ productId: z.uuid("must be a UUID"), variantId: z.uuid("must be a UUID").nullable().optional(), quantity: z.number().int().min(1).max(10_000) }).strip())
      .min(1)
      .max(MAX_LINES),
    discountMinor: Minor.default(0),
    deliveryMinor: Minor.default(0),
    paymentMethod: z.string().trim().max(40).default(""),
    deliveryMethod: DeliveryMethodSchema.default("pickup"),
    deliveryAddress: z.string().trim().max(1000).default(""),
    notes: z.string().max(4000).default(""),
    sellerId: z
      .uuid("must be a UUID")
      .nullable()
      .optional()
      .meta({ description: "Absent: the seller attending the customer now (their open assignment), if any; null: no seller" }),
  })
  .strip()
  .refine((body) => (body.customerId === undefined) !== (body.whatsappId === undefined), { message: "name the customer by customerId or by whatsappId (one of them)", path: ["customerId"] });

const StatusBody = z.object({ status: StatusSchema, note: z.string().trim().max(1000).optional() }).strip();

const PaymentBody = z
  .object({
    amountMinor: Minor.min(1),
    method: z.string().trim().min(1).max(40).meta({ example: "transfer" }),
    reference: z.string().trim().max(200).optional(),
    paidAt: Time.optional().meta({ description: "When the money was received (default: now)" }),
  })
  .strip();

export interface OrdersRoutesDeps {
  read: ReadOrders;
  createOrder: CreateOrder;
  changeStatus: ChangeStatus;
  recordPayment: RecordPayment;
}

export function ordersRoutes({ read, createOrder, changeStatus, recordPayment }: OrdersRoutesDeps): Route[] {
  const tags = ["orders"];
  return [
    userRoute({
      method: "get",
      path: "/orders",
      operationId: "listOrders",
      summary: "The shop's orders, newest first unless sort=createdAt; filter by status, customer, seller and creation time",
      tags,
      permission: "orders:read",
      query: ListQuery,
      responses: { 200: { description: "A page of orders", schema: OrderPageSchema } },
      handle: async ({ actor, query }) => ({ status: 200, body: await read.list(actor, query) }),
    }),
    userRoute({
      method: "post",
      path: "/orders",
      operationId: "createOrder",
      summary: "Take an order: reserves the stock of every line or of none",
      tags,
      permission: "orders:write",
      headers: IdempotencyHeaders,
      body: NewOrderBody,
      responses: {
        201: { description: "Created", schema: OrderDetailSchema },
        200: { description: "The order an earlier request with the same Idempotency-Key created", schema: OrderDetailSchema },
        404: { description: "CUSTOMER_NOT_FOUND, PRODUCT_NOT_FOUND (details.lines) or SELLER_NOT_FOUND" },
        409: { description: "OUT_OF_STOCK: details.lines lists each line without enough stock (requested, available)" },
      },
      handle: async ({ actor, headers, body }) => {
        const { customerId, whatsappId, customerName, ...order } = body;
        const customer = customerId !== undefined ? { id: customerId } : { whatsappId: whatsappId ?? "", name: customerName };
        const result = await createOrder(actor, { ...order, source: "dashboard", customer, idempotencyKey: idempotencyKeyOf(headers["idempotency-key"]) });
        return { status: result.replayed ? 200 : 201, body: shown(result.order) };
      },
    }),
    userRoute({
      method: "get",
      path: "/orders/:orderId",
      operationId: "getOrder",
      summary: "One order with its lines, payments and status history",
      tags,
      permission: "orders:read",
      params: OrderParams,
      responses: { 200: { description: "The order", schema: OrderDetailSchema }, 404: { description: "ORDER_NOT_FOUND" } },
      handle: async ({ actor, params }) => ({ status: 200, body: shown(await read.get(actor, params.orderId)) }),
    }),
    userRoute({
      method: "post",
      path: "/orders/:orderId/status",
      operationId: "changeOrderStatus",
      summary: "Move an order to its next status (cancelling puts its stock back)",
      tags,
      permission: "orders:write",
      params: OrderParams,
      body: StatusBody,
      responses: {
        200: { description: "The order as changed", schema: OrderDetailSchema },
        404: { description: "ORDER_NOT_FOUND" },
        409: { description: "INVALID_TRANSITION: details.allowed lists the statuses the order may move to" },
      },
      handle: async ({ actor, params, body }) => ({ status: 200, body: shown(await changeStatus(actor, params.orderId, body)) }),
    }),
    userRoute({
      method: "post",
      path: "/orders/:orderId/payments",
      operationId: "recordOrderPayment",
      summary: "Record a payment; the balance is total − paid and never goes below zero",
      tags,
      permission: "orders:write",
      params: OrderParams,
      body: PaymentBody,
      responses: {
        201: { description: "The order with the payment", schema: OrderDetailSchema },
        404: { description: "ORDER_NOT_FOUND" },
        409: { description: "PAYMENT_EXCEEDS_BALANCE (details.balanceMinor) or ORDER_CANCELLED" },
      },
      handle: async ({ actor, params, body }) => ({ status: 201, body: shown(await recordPayment(actor, params.orderId, body)) }),
    }),
    userRoute({
      method: "get",
      path: "/customers/:customerId/orders",
      operationId: "listCustomerOrders",
      summary: "A customer's orders, newest first",
      tags,
      permission: "orders:read",
      params: CustomerParams,
      query: PageQuery,
      responses: { 200: { description: "A page of the customer's orders", schema: OrderPageSchema }, 404: { description: "CUSTOMER_NOT_FOUND" } },
      handle: async ({ actor, params, query }) => ({ status: 200, body: await read.ofCustomer(actor, params.customerId, query) }),
    }),
  ];
}
