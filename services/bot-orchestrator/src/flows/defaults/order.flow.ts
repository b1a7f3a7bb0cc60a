// Order taking: the product (from the search the customer just saw, or a new one), quantity,
// delivery or pickup, a summary to confirm, then the order and an alert to the seller. Out of
// stock offers products of the same category.
import type { FlowDocument } from "../language/index.js";
import { adviserOrMenu, choice, flowDocument, offer, toAdviser, toMenu } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

/** catalogue.search answers at most 5 products: the numbers the customer may choose. */
const MAX_CHOICE = 5;
const MAX_QUANTITY = 100;
const QUERY_LENGTH = 200;
const ADDRESS_LENGTH = 500;

export function orderFlow(t: FlowTexts): FlowDocument {
  const searchOrAdviser = (text: string) =>
    offer(text, t, [choice("search_again", t.common.searchAgain, "ask_product"), choice("adviser", t.common.adviser, "to_adviser"), choice("menu", t.common.menu, "to_menu")]);
  return flowDocument("order", t, "has_results", [], {
    // The catalogue's and the product view's results stay in the conversation: choose among them.
    has_results: { kind: "decision", conditions: [{ when: { missing: ["search.top"] }, next: "ask_product" }], default: "choose" },
    ask_product: {
      kind: "question",
      text: t.order.askProduct,
      variable: "query",
      validation: { type: "text", minLength: 2, maxLength: QUERY_LENGTH },
      retryMessage: t.order.askProductRetry,
      maxRetries: 2,
      onFail: "to_menu",
      next: "search",
    },
    search: { kind: "action", action: "catalogue.search", input: { query: "{{query}}", limit: MAX_CHOICE, language: t.language }, resultVariable: "search", next: "found", onError: "search_failed" },
    found: { kind: "decision", conditions: [{ when: { ">": [{ var: "search.count" }, 0] }, next: "choose" }], default: "none" },
    none: searchOrAdviser(t.common.noResults),
    search_failed: searchOrAdviser(t.common.searchFailed),
    choose: {
      kind: "question",
      text: t.order.choose,
      variable: "choice",
      validation: { type: "number", min: 1, max: MAX_CHOICE, integer: true },
      retryMessage: t.order.chooseRetry,
      maxRetries: 2,
      onFail: "ask_product",
      next: "pick",
    },
    pick: { kind: "action", action: "catalogue.choose", input: { products: { var: "search.products" }, choice: "{{choice}}" }, resultVariable: "product", next: "quantity", onError: "pick_failed" },
    pick_failed: { kind: "decision", conditions: [{ when: { "==": [{ var: "error.code" }, "choice_invalid"] }, next: "choice_invalid" }], default: "failed" },
    choice_invalid: { kind: "message", text: t.order.choiceInvalid, next: "choose" },
    quantity: {
      kind: "question",
      text: t.order.quantity,
      variable: "quantity",
      validation: { type: "number", min: 1, max: MAX_QUANTITY, integer: true },
      retryMessage: t.order.quantityRetry,
      maxRetries: 2,
      onFail: "to_menu",
      next: "delivery_method",
    },
    delivery_method: offer(t.order.deliveryQuestion, t, [choice("delivery", t.order.delivery, "set_delivery"), choice("pickup", t.order.pickup, "set_pickup")]),
    set_delivery: {
      kind: "set",
      assignments: [
        { variable: "delivery", value: "delivery" },
        { variable: "delivery_label", value: t.order.deliveryLabel },
      ],
      next: "address",
    },
    address: {
      kind: "question",
      text: t.order.address,
      variable: "address",
      validation: { type: "text", minLength: 5, maxLength: ADDRESS_LENGTH },
      retryMessage: t.order.addressRetry,
      maxRetries: 2,
      onFail: "to_menu",
      next: "summary",
    },
    set_pickup: {
      kind: "set",
      assignments: [
        { variable: "delivery", value: "pickup" },
        { variable: "delivery_label", value: t.order.pickupLabel },
        // An address from an earlier order of this conversation must not ride along.
        { variable: "address", value: "" },
      ],
      next: "summary",
    },
    summary: {
      kind: "buttons",
      text: t.order.summary,
      retryMessage: t.common.pickOption,
      maxRetries: 2,
      // Nothing is ordered without a clear "confirm".
      onFail: "cancelled",
      buttons: [choice("confirm", t.order.confirm, "create"), choice("cancel", t.order.cancel, "cancelled")],
    },
    create: {
      kind: "action",
      action: "orders.create",
      input: { product_id: "{{product.id}}", quantity: "{{quantity}}", delivery: "{{delivery}}", address: "{{address}}", language: t.language },
      resultVariable: "order",
      next: "created",
      onError: "create_failed",
    },
    created: { kind: "message", text: t.order.created, next: "order_alert" },
    // The order stands whether or not the seller could be told (the dashboard shows it either way).
    order_alert: { kind: "action", action: "sellers.alert", input: { reason: "order", note: "#{{order.number}}", language: t.language }, next: "done", onError: "done" },
    done: { kind: "end", message: t.order.done },
    create_failed: { kind: "decision", conditions: [{ when: { "==": [{ var: "error.code" }, "out_of_stock"] }, next: "out_of_stock" }], default: "failed" },
    out_of_stock: { kind: "message", text: t.order.outOfStock, next: "alternatives" },
    alternatives: {
      kind: "action",
      action: "catalogue.search",
      input: { query: "{{product.category}}", limit: MAX_CHOICE, language: t.language },
      resultVariable: "search",
      next: "has_alternatives",
      onError: "no_alternatives",
    },
    has_alternatives: { kind: "decision", conditions: [{ when: { ">": [{ var: "search.count" }, 0] }, next: "alternatives_intro" }], default: "no_alternatives" },
    alternatives_intro: { kind: "message", text: t.order.alternatives, next: "choose" },
    no_alternatives: adviserOrMenu(t.order.noAlternatives, t),
    failed: adviserOrMenu(t.order.failed, t),
    cancelled: offer(t.order.cancelled, t, [choice("menu", t.common.menu, "to_menu"), choice("adviser", t.common.adviser, "to_adviser")]),
    to_adviser: toAdviser,
    to_menu: toMenu,
  });
}
