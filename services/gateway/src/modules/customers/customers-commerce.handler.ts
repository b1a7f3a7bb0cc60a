// CommerceService.UpsertCustomer: the orchestrator records the contact of a conversation as the
// shop's customer, and learns who their seller is now (seller_id, empty when none).
import { AppError } from "@fleet/service-kit";
import type { CommerceHandlers } from "../../app.js";
import type { CustomerRecord } from "./customers.repository.js";
import { WhatsappIdSchema } from "./customers.routes.js";
import { serviceActorFor, timestampOf, type ReplyOf } from "./service-actor.js";
import type { UpsertCustomer } from "./upsert-customer.use-case.js";

export function toCustomerMessage(customer: CustomerRecord): NonNullable<ReplyOf<"upsertCustomer">["customer"]> {
  return {
    id: customer.id,
    whatsappId: customer.whatsappId ?? "",
    name: customer.name,
    phone: customer.phone ?? "",
    priceTier: customer.priceTier,
    tags: customer.tags,
    sellerId: customer.seller?.id ?? "",
    firstContactTime: customer.firstContactAt ? timestampOf(customer.firstContactAt) : undefined,
    lastContactTime: customer.lastContactAt ? timestampOf(customer.lastContactAt) : undefined,
  };
}

/** A WhatsApp contact and profile name from a request, checked as the REST API checks them. */
export function contactOf(whatsappId: string, name: string): { whatsappId: string; name: string } {
  const contact = WhatsappIdSchema.safeParse(whatsappId);
  if (!contact.success) throw new AppError("invalid_argument", "INVALID_CONTACT", "The customer's contact must be a WhatsApp id (phone digits or a JID)");
  return { whatsappId: contact.data, name: name.trim().slice(0, 200) };
}

export function customersCommerceHandlers({ upsertCustomer }: { upsertCustomer: UpsertCustomer }): CommerceHandlers {
  return {
    async upsertCustomer(request) {
      const actor = serviceActorFor(request.tenantId);
      const { customer, created } = await upsertCustomer(actor, contactOf(request.whatsappId, request.name));
      return { customer: toCustomerMessage(customer), created };
    },
  };
}
