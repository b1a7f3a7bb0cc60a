// sellers.alert, sellers.release and sellers.escalate: the hand-off to a human. A seller is told on
// WhatsApp (a message from the bot to their number) and on the dashboard (a `seller.alerted` event);
// the event is what staff can always see, so a WhatsApp failure never loses it.
import type { Seller } from "@fleet/contracts/commerce";
import { AppError, toAppError } from "@fleet/service-kit";
import type { ActionContext } from "../runtime/call-runner.js";
import { EVENT_ID_MAX, effectKey, phoneDigits, sellerView, truncate, type ActionRuns } from "./action-helpers.js";
import type { AlertReason, Language } from "./definitions.js";
import type { FlowActionsDeps } from "./registry.js";
import { alertText, type AlertMessage } from "./texts.js";

/** Supervisors messaged at most per escalation. */
const MAX_SUPERVISORS = 3;
const NOTE_IN_EVENT = 200;

export function sellersActions({ commerce, sender, events, logger }: FlowActionsDeps): ActionRuns<"sellers.alert" | "sellers.release" | "sellers.escalate"> {
  /** The stored customer (its name for the seller's message, its seller now); refreshes the last contact, which is true. */
  async function customerOf(context: ActionContext) {
    const { customer } = await commerce.upsertCustomer({ tenantId: context.tenantId, whatsappId: context.contact, name: "", botId: context.botId });
    return { name: customer?.name ?? "", sellerId: customer?.sellerId ?? "" };
  }

  /** The WhatsApp message to a seller; false (logged) when it could not be sent. */
  async function message(context: ActionContext, seller: Seller, alert: AlertMessage, language: Language, keySuffix: string): Promise<boolean> {
    const recipient = phoneDigits(seller.phone);
    context.signal.throwIfAborted();
    try {
      if (!recipient) throw new AppError("failed_precondition", "SELLER_WITHOUT_PHONE", "the seller has no phone number");
      await sender.send({ tenantId: context.tenantId, botId: context.botId, recipient }, { type: "text", body: alertText(alert, language) }, effectKey(context, keySuffix, 200));
      return true;
    } catch (error) {
      logger.warn("seller alert not sent on WhatsApp", { tenantId: context.tenantId, botId: context.botId, sellerId: seller.id, code: toAppError(error).code });
      return false;
    }
  }

  async function emitAlerted(context: ActionContext, seller: Seller, facts: { reason: AlertReason; priority: "normal" | "high"; note: string | undefined; whatsappSent: boolean; escalated: boolean }, idSuffix: string) {
    await events.emit({
      id: effectKey(context, idSuffix, EVENT_ID_MAX),
      type: "seller.alerted",
      tenantId: context.tenantId,
      botId: context.botId,
      contact: context.contact,
      attributes: {
        seller_id: seller.id,
        seller_name: seller.name,
        reason: facts.reason,
        priority: facts.priority,
        note: facts.note ? truncate(facts.note.trim(), NOTE_IN_EVENT) : null,
        whatsapp_sent: facts.whatsappSent,
        escalated: facts.escalated,
      },
    });
  }

  return {
    async "sellers.alert"(input, context) {
      // One call: the assignment (existing or new) and the customer it upserted (their name for the seller).
      // NO_SELLER_AVAILABLE passes through: the flow branches on no_seller_available.
      const { seller, existing, customer: stored } = await commerce.assignSeller({
        tenantId: context.tenantId,
        customerContact: context.contact,
        customerName: "",
        specialty: "",
        reason: input.reason.replaceAll("_", " "),
        idempotencyKey: effectKey(context, "assign", 200),
      });
      const customer = { name: stored?.name ?? "" };
      if (!seller) throw new AppError("internal", "INTERNAL", "AssignSeller answered without a seller");
      const alert: AlertMessage = { customerName: customer.name, customerDigits: phoneDigits(context.contact), reason: input.reason, priority: input.priority, note: input.note };
      const whatsappSent = await message(context, seller, alert, input.language, "alert");
      await emitAlerted(context, seller, { reason: input.reason, priority: input.priority, note: input.note, whatsappSent, escalated: false }, "seller.alerted");
      return { seller: sellerView(seller), seller_is_new: !existing, whatsapp_sent: whatsappSent };
    },

    async "sellers.release"(input, context) {
      const { released } = await commerce.releaseSeller({ tenantId: context.tenantId, customerContact: context.contact, sellerId: "" });
      await events.emit({
        id: effectKey(context, "handoff.attended", EVENT_ID_MAX),
        type: "handoff.attended",
        tenantId: context.tenantId,
        botId: context.botId,
        contact: context.contact,
        attributes: { reason: input.reason ?? null, released },
      });
      return { released };
    },

    async "sellers.escalate"(input, context) {
      const [customer, onDuty] = await Promise.all([customerOf(context), commerce.listSellersOnDuty({ tenantId: context.tenantId, specialty: "" })]);
      // Never the seller who did not attend: escalating to them again is what the original shop got wrong.
      const supervisors = onDuty.sellers.filter((seller) => seller.supervisor && seller.id !== customer.sellerId).slice(0, MAX_SUPERVISORS);
      if (supervisors.length === 0) throw new AppError("failed_precondition", "NO_SUPERVISOR", "No supervisor is on duty");
      const alert: AlertMessage = { customerName: customer.name, customerDigits: phoneDigits(context.contact), reason: input.reason, priority: "high", note: input.note, escalation: true };
      const sent = await Promise.all(supervisors.map((supervisor) => message(context, supervisor, alert, input.language, `escalate:${supervisor.id}`)));
      await events.emit({
        id: effectKey(context, "handoff.escalated", EVENT_ID_MAX),
        type: "handoff.escalated",
        tenantId: context.tenantId,
        botId: context.botId,
        contact: context.contact,
        attributes: { reason: input.reason, supervisors: supervisors.length, supervisor_names: supervisors.map((s) => s.name).join(", "), note: input.note ? truncate(input.note.trim(), NOTE_IN_EVENT) : null },
      });
      for (const [index, supervisor] of supervisors.entries()) {
        await emitAlerted(context, supervisor, { reason: input.reason, priority: "high", note: input.note, whatsappSent: sent[index] ?? false, escalated: true }, `seller.alerted:${supervisor.id}`);
      }
      return { supervisors: supervisors.map((s) => s.name), count: supervisors.length, messaged: sent.filter(Boolean).length };
    },
  };
}
