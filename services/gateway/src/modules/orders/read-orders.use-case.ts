// Reading orders: the dashboard's list (filters, newest or oldest first, cursor pages), one order
// with its lines, payments and history, and a customer's orders (the dashboard's customer page and
// the bot's "order information"). Cached (the orders part of the tenant read cache), dropped by
// every order written, and by a customer's change of WhatsApp id.
import { authorize, type Caller } from "../../auth/permissions.js";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import { pageOf, type Page } from "../../http/pagination.js";
import { decodeCreatedCursor } from "../customers/created-cursor.js";
import { customerNotFound } from "../customers/customer-rules.js";
import type { CustomersDirectory } from "../customers/customers.repository.js";
import { orderNotFound } from "./order-rules.js";
import type { OrderStatus } from "./order-status.js";
import type { OrderDetail, OrderLineRecord, OrderRecord, OrdersStore } from "./orders.repository.js";
import { OrderPageSchema, OrdersWithLinesSchema, StoredOrderDetailSchema } from "./orders.schemas.js";

export interface ListOrdersInput {
  status?: OrderStatus;
  customerId?: string;
  sellerId?: string;
  from?: string;
  to?: string;
  sort: "createdAt" | "-createdAt";
  limit: number;
  cursor?: string;
}

export function createReadOrders({ orders, customers, cache }: { orders: Pick<OrdersStore, "forTenant">; customers: Pick<CustomersDirectory, "forTenant">; cache: TenantReadsCache }) {
  const pageReads = cache.reads(OrderPageSchema);
  const orderReads = cache.reads(StoredOrderDetailSchema.nullable());
  const latestReads = cache.reads(OrdersWithLinesSchema);

  async function list(actor: Caller, { sort, cursor, limit, ...filters }: ListOrdersInput): Promise<Page<OrderRecord>> {
    authorize(actor, "orders:read");
    const after = decodeCreatedCursor(cursor);
    const field = `list:${JSON.stringify([filters.status ?? null, filters.customerId ?? null, filters.sellerId ?? null, filters.from ?? null, filters.to ?? null, sort, limit, cursor ?? null])}`;
    return pageReads.read(actor.tenantId, field, async () => {
      const rows = await orders.forTenant(actor.tenantId).list({ ...filters, order: sort === "createdAt" ? "asc" : "desc", limit, after });
      const page = pageOf(rows, limit, (row) => [row.position.createdAt, row.position.id]);
      return { items: page.items.map((row) => row.order), nextCursor: page.nextCursor };
    });
  }

  return {
    list,

    async get(actor: Caller, orderId: string): Promise<OrderDetail> {
      authorize(actor, "orders:read");
      const order = await orderReads.read(actor.tenantId, `order:${orderId}`, () => orders.forTenant(actor.tenantId).find(orderId));
      if (!order) throw orderNotFound();
      return order;
    },

    /** A customer's orders by id (404 when the tenant has no such customer). */
    async ofCustomer(actor: Caller, customerId: string, page: { limit: number; cursor?: string }): Promise<Page<OrderRecord>> {
      authorize(actor, "orders:read");
      const customer = await customers.forTenant(actor.tenantId).find(customerId);
      if (!customer) throw customerNotFound();
      return list(actor, { customerId: customer.id, sort: "-createdAt", ...page });
    },

    /** The latest orders of a WhatsApp contact, newest first; none for a contact that is no customer. */
    async latestOfContact(actor: Caller, whatsappId: string, limit: number): Promise<Array<OrderRecord & { lines: OrderLineRecord[] }>> {
      authorize(actor, "orders:read");
      return latestReads.read(actor.tenantId, `latest:${JSON.stringify([whatsappId, limit])}`, async () => {
        const customer = await customers.forTenant(actor.tenantId).findByWhatsapp(whatsappId);
        return customer ? orders.forTenant(actor.tenantId).latestOfCustomer(customer.id, limit) : [];
      });
    },
  };
}

export type ReadOrders = ReturnType<typeof createReadOrders>;
