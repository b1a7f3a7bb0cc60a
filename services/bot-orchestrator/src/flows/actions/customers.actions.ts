// customers.identify: the contact becomes (or stays) the shop's customer and gets a seller.
import { AppError } from "@fleet/service-kit";
import { effectKey, sellerView, type ActionRuns } from "./action-helpers.js";
import type { FlowActionsDeps } from "./registry.js";

export function customersActions({ commerce }: FlowActionsDeps): ActionRuns<"customers.identify"> {
  return {
    async "customers.identify"(input, context) {
      const { customer, created } = await commerce.upsertCustomer({ tenantId: context.tenantId, whatsappId: context.contact, name: input.name?.trim() ?? "", botId: context.botId });
      const name = customer?.name ?? input.name?.trim() ?? "";
      try {
        const assigned = await commerce.assignSeller({
          tenantId: context.tenantId,
          customerContact: context.contact,
          customerName: name,
          specialty: "",
          reason: "welcome",
          idempotencyKey: effectKey(context, "assign", 200),
        });
        return {
          customer: { id: customer?.id ?? "", name, is_new: created },
          seller: assigned.seller ? sellerView(assigned.seller) : null,
          seller_is_new: assigned.seller ? !assigned.existing : false,
        };
      } catch (error) {
        // Nobody can take the customer now: the flow says so instead of failing.
        if (error instanceof AppError && error.code === "NO_SELLER_AVAILABLE") return { customer: { id: customer?.id ?? "", name, is_new: created }, seller: null, seller_is_new: false };
        throw error;
      }
    },
  };
}
