// The dashboard's customers: list (search by name or phone, filter by tag and price tier), read,
// create and change. Sellers create and change customers; everyone reads them. Reads are cached
// (the customers part of the tenant read cache), dropped by every write to a customer or to who
// attends them.
import { authorize, type Caller } from "../../auth/permissions.js";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import { pageOf, type Page } from "../../http/pagination.js";
import { decodeCreatedCursor } from "./created-cursor.js";
import { CustomerPageSchema, CustomerSchema } from "./customers.schemas.js";
import { customerNotFound, whatsappTaken } from "./customer-rules.js";
import { sqlState, type CustomerChanges, type CustomerRecord, type CustomersDirectory, type NewCustomer } from "./customers.repository.js";

export interface ListCustomersInput {
  q?: string;
  tag?: string;
  priceTier?: string;
  sellerId?: string;
  limit: number;
  cursor?: string;
}

export interface CustomersCaches {
  /** Customers (lists and single ones, with their current seller). */
  customers: TenantReadsCache;
  /** Orders: a customer's change of WhatsApp id changes whose orders a contact has. */
  orders: Pick<TenantReadsCache, "invalidate">;
}

export function createManageCustomers({ customers, caches }: { customers: Pick<CustomersDirectory, "forTenant">; caches: CustomersCaches }) {
  const pageReads = caches.customers.reads(CustomerPageSchema);
  const customerReads = caches.customers.reads(CustomerSchema.nullable());
  return {
    async list(actor: Caller, { q, tag, priceTier, sellerId, limit, cursor }: ListCustomersInput): Promise<Page<CustomerRecord>> {
      authorize(actor, "customers:read");
      const after = decodeCreatedCursor(cursor);
      const field = `list:${JSON.stringify([q ?? null, tag ?? null, priceTier ?? null, sellerId ?? null, limit, cursor ?? null])}`;
      return pageReads.read(actor.tenantId, field, async () => {
        const rows = await customers.forTenant(actor.tenantId).list({ q, tag, priceTier, ...(sellerId ? { sellerId } : {}), limit, after });
        const page = pageOf(rows, limit, (row) => [row.position.createdAt, row.position.id]);
        return { items: page.items.map((row) => row.customer), nextCursor: page.nextCursor };
      });
    },

    async get(actor: Caller, customerId: string): Promise<CustomerRecord> {
      authorize(actor, "customers:read");
      const customer = await customerReads.read(actor.tenantId, `customer:${customerId}`, () => customers.forTenant(actor.tenantId).find(customerId));
      if (!customer) throw customerNotFound();
      return customer;
    },

    async create(actor: Caller, input: NewCustomer): Promise<CustomerRecord> {
      authorize(actor, "customers:write");
      const created = await customers.forTenant(actor.tenantId).create(input);
      if (!created) throw whatsappTaken();
      await caches.customers.invalidate(actor.tenantId);
      return created;
    },

    async update(actor: Caller, customerId: string, changes: CustomerChanges): Promise<CustomerRecord> {
      authorize(actor, "customers:write");
      let updated: CustomerRecord | null;
      try {
        updated = await customers.forTenant(actor.tenantId).update(customerId, changes);
      } catch (error) {
        if (sqlState(error) === "23505") throw whatsappTaken();
        throw error;
      }
      if (!updated) throw customerNotFound();
      await caches.customers.invalidate(actor.tenantId);
      if (changes.whatsappId !== undefined) await caches.orders.invalidate(actor.tenantId);
      return updated;
    },
  };
}

export type ManageCustomers = ReturnType<typeof createManageCustomers>;
