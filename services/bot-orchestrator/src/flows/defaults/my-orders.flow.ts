// The customer's latest orders with their status; without orders, the adviser or the menu.
import type { FlowDocument } from "../language/index.js";
import { adviserOrMenu, flowDocument, toAdviser, toMenu } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

export function myOrdersFlow(t: FlowTexts): FlowDocument {
  return flowDocument("my-orders", t, "list", [], {
    list: { kind: "action", action: "orders.list_mine", input: { limit: 3, language: t.language }, resultVariable: "mine", next: "has_orders", onError: "failed" },
    has_orders: { kind: "decision", conditions: [{ when: { ">": [{ var: "mine.count" }, 0] }, next: "show" }], default: "none" },
    show: { kind: "end", message: t.myOrders.list },
    none: adviserOrMenu(t.myOrders.none, t),
    failed: adviserOrMenu(t.myOrders.failed, t),
    to_adviser: toAdviser,
    to_menu: toMenu,
  });
}
