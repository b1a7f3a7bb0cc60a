// Opening hours from the shop's settings (written by the action in the customer's language), then
// the adviser or the menu.
import type { FlowDocument } from "../language/index.js";
import { adviserOrMenu, flowDocument, toAdviser, toMenu } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

export function hoursFlow(t: FlowTexts): FlowDocument {
  return flowDocument("hours", t, "hours", [], {
    hours: { kind: "action", action: "shop.hours", input: { language: t.language }, resultVariable: "hours", next: "show", onError: "failed" },
    show: { kind: "message", text: t.hours.show, next: "offer" },
    failed: { kind: "message", text: t.hours.failed, next: "offer" },
    offer: adviserOrMenu(t.common.anythingElse, t),
    to_adviser: toAdviser,
    to_menu: toMenu,
  });
}
