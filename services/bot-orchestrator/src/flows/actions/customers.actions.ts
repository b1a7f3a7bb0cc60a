// customers.identify: the contact becomes (or stays) the shop's customer and gets a seller.
import { AppError } from "@fleet/service-kit";
import { effectKey, sellerView, type ActionRuns } from "./action-helpers.js";
import type { FlowActionsDeps } from "./registry.js";

/** Whether the AssignSeller that failed had just created the customer (it says so in the error's details). */
function createdBy(error: AppError): boolean {
  const details = error.details;
  return typeof details === "object" && details !== null && "customerCreated" in details && details.customerCreated === true;
}

export function customersActions({ commerce }: FlowActionsDeps): ActionRuns<"customers.identify"> {
  return {
    async "customers.identify"(input, context) {
      const name = input.name?.trim() ?? "";
      try {
        // One call: AssignSeller upserts the customer by their contact and answers it with the seller.
        const assigned = await commerce.assignSeller({
          tenantId: context.tenantId,
          customerContact: context.contact,
          customerName: name,
          specialty: "",
          reason: "welcome",
          idempotencyKey: effectKey(context, "assign", 200),
        });
        const customer = assigned.customer;
        return {
          customer: { id: customer?.id ?? "", name: customer?.name || name, is_new: assigned.customerCreated },
          seller: assigned.seller ? sellerView(assigned.seller) : null,
          seller_is_new: assigned.seller ? !assigned.existing : false,
        };
      } catch (error) {
        if (!(error instanceof AppError && error.code === "NO_SELLER_AVAILABLE")) throw error;
        // Nobody can take the customer now: they are still recorded, and the flow says so instead of failing.
        const { customer } = await commerce.upsertCustomer({ tenantId: context.tenantId, whatsappId: context.contact, name, botId: context.botId });
        return { customer: { id: customer?.id ?? "", name: customer?.name || name, is_new: createdBy(error) }, seller: null, seller_is_new: false };
      }
    },
  };
}
