// "Talk to an adviser": alerts the customer's seller, gives their name and WhatsApp link, pauses the
// bot for 15 minutes so the seller can write, then asks whether they were attended.
import type { FlowDocument } from "../language/index.js";
import { attendedSteps, flowDocument, toMenu } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

/** How long the bot stays quiet for the seller before asking "were you attended?". */
export const ADVISER_HANDOFF_SECONDS = 15 * 60;

export function adviserFlow(t: FlowTexts): FlowDocument {
  return flowDocument("adviser", t, "alert", [], {
    alert: { kind: "action", action: "sellers.alert", input: { reason: "adviser", language: t.language }, resultVariable: "alert", next: "assigned", onError: "alert_failed" },
    assigned: { kind: "message", text: t.adviser.assigned, next: "handoff" },
    handoff: { kind: "handoff", timeoutSeconds: ADVISER_HANDOFF_SECONDS, next: "attended" },
    ...attendedSteps(t, { reason: "adviser", alertAgain: true }),
    alert_failed: { kind: "decision", conditions: [{ when: { "==": [{ var: "error.code" }, "no_seller_available"] }, next: "hours" }], default: "no_seller" },
    hours: { kind: "action", action: "shop.hours", input: { language: t.language }, resultVariable: "hours", next: "no_seller_hours", onError: "no_seller" },
    no_seller_hours: { kind: "message", text: t.adviser.noSellerWithHours, next: "to_menu" },
    no_seller: { kind: "message", text: t.adviser.noSeller, next: "to_menu" },
    to_menu: toMenu,
  });
}
