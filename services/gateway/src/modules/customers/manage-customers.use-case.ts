// The dashboard's customers: list (search by name or phone, filter by tag and price tier), read,
// create and change. Sellers create and change customers; everyone reads them.
import { authorize, type Caller } from "../../auth/permissions.js";
import { pageOf, type Page } from "../../http/pagination.js";
import { decodeCreatedCursor } from "./created-cursor.js";
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

export function createManageCustomers({ customers }: { customers: Pick<CustomersDirectory, "forTenant"> }) {
  return {
    async list(actor: Caller, { q, tag, priceTier, sellerId, limit, cursor }: ListCustomersInput): Promise<Page<CustomerRecord>> {
      authorize(actor, "customers:read");
      const after = decodeCreatedCursor(cursor);
      const rows = await customers.forTenant(actor.tenantId).list({ q, tag, priceTier, ...(sellerId ? { sellerId } : {}), limit, after });
      const page = pageOf(rows, limit, (row) => [row.position.createdAt, row.position.id]);
      return { items: page.items.map((row) => row.customer), nextCursor: page.nextCursor };
    },

    async get(actor: Caller, customerId: string): Promise<CustomerRecord> {
      authorize(actor, "customers:read");
      const customer = await customers.forTenant(actor.tenantId).find(customerId);
      if (!customer) throw customerNotFound();
      return customer;
    },

    async create(actor: Caller, input: NewCustomer): Promise<CustomerRecord> {
      authorize(actor, "customers:write");
      const created = await customers.forTenant(actor.tenantId).create(input);
      if (!created) throw whatsappTaken();
      return created;
    },

    async update(actor: Caller, customerId: string, changes: CustomerChanges): Promise<CustomerRecord> {
      authorize(actor, "customers:write");
      try {
        const updated = await customers.forTenant(actor.tenantId).update(customerId, changes);
        if (!updated) throw customerNotFound();
        return updated;
      } catch (error) {
        if (sqlState(error) === "23505") throw whatsappTaken();
        throw error;
      }
    },
  };
}

export type ManageCustomers = ReturnType<typeof createManageCustomers>;
