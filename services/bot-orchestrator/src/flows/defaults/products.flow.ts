// Product words ("anillo", "ring"…) from anywhere: the best match with its image, the related
// matches, then the adviser, an order or the menu. Entered from the welcome's product-word intent.
import type { FlowDocument } from "../language/index.js";
import { adviserOrMenu, choice, flowDocument, offer, toAdviser, toMenu, toOrder } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

export function productsFlow(t: FlowTexts): FlowDocument {
  return flowDocument("products", t, "search", [], {
    search: { kind: "action", action: "catalogue.search", input: { query: "{{input.text}}", limit: 4, language: t.language }, resultVariable: "search", next: "found", onError: "failed" },
    found: { kind: "decision", conditions: [{ when: { ">": [{ var: "search.count" }, 0] }, next: "top_has_image" }], default: "none" },
    top_has_image: { kind: "decision", conditions: [{ when: { "!!": [{ var: "search.top.image" }] }, next: "top_image" }], default: "top_text" },
    top_image: { kind: "media", mediaType: "image", url: "{{search.top.image}}", caption: t.products.topCaption, next: "related_items" },
    top_text: { kind: "message", text: t.products.top, next: "related_items" },
    // The matches after the first (numbered from 1 by the search, so they keep their numbers for an order).
    related_items: { kind: "set", assignments: [{ variable: "related", expression: { filter: [{ var: "search.products" }, { ">": [{ var: "n" }, 1] }] } }], next: "has_related" },
    has_related: { kind: "decision", conditions: [{ when: { "!!": [{ var: "related" }] }, next: "related" }], default: "offer" },
    related: { kind: "message", text: t.products.related, next: "offer" },
    offer: offer(t.common.whatNext, t, [choice("adviser", t.common.adviser, "to_adviser"), choice("order", t.common.order, "to_order"), choice("menu", t.common.menu, "to_menu")]),
    none: adviserOrMenu(t.products.none, t),
    failed: adviserOrMenu(t.products.failed, t),
    to_adviser: toAdviser,
    to_order: toOrder,
    to_menu: toMenu,
  });
}
