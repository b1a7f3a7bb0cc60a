// A WhatsApp contact becomes the shop's customer the first time it writes (or orders); later
// contacts refresh its profile name (when WhatsApp gives one) and its last contact time.
import { AppError } from "@fleet/service-kit";
import { authorize, type Caller } from "../../auth/permissions.js";
import type { TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import { phoneOfWhatsappId } from "./customer-rules.js";
import { sqlState, type CustomerRecord, type CustomersDirectory } from "./customers.repository.js";

export interface UpsertCustomerInput {
  whatsappId: string;
  /** Empty keeps the stored name. */
  name: string;
}

export function createUpsertCustomer({ customers, cache }: { customers: Pick<CustomersDirectory, "forTenant">; cache: Pick<TenantReadsCache, "invalidate"> }) {
  return async function upsertCustomer(actor: Caller, { whatsappId, name }: UpsertCustomerInput): Promise<{ customer: CustomerRecord; created: boolean }> {
    authorize(actor, "customers:write");
    let upserted: { customer: CustomerRecord; created: boolean };
    try {
      upserted = await customers.forTenant(actor.tenantId).upsertByWhatsapp(whatsappId, name, phoneOfWhatsappId(whatsappId));
    } catch (error) {
      // The only foreign key of a customer is its tenant.
      if (sqlState(error) === "23503") throw new AppError("not_found", "TENANT_NOT_FOUND", "Tenant not found");
      throw error;
    }
    await cache.invalidate(actor.tenantId);
    return upserted;
  };
}

export type UpsertCustomer = ReturnType<typeof createUpsertCustomer>;
