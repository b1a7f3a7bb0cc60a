// The main flow: greeting, customer record, the five-option menu, and the global intents that work
// from any step of any flow (staff commands, product words, "menu"). Trigger order matters: the
// first trigger that matches wins, so the catch-all comes last.
import type { FlowDocument, Trigger } from "../language/index.js";
import { choice, flowDocument, type Choice } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

/**
 * Staff commands in both languages' words, followed by a number or by nothing: "pausar +52 55…",
 * "status". "Estado de México…" (an address) is not one.
 */
export const STAFF_COMMAND_PATTERN = String.raw`^\s*(pausar|pause|reanudar|resume|estado|status)(\s+\+?\d.*)?$`;

export function welcomeFlow(t: FlowTexts): FlowDocument {
  const rows = t.welcome.rows;
  const menuRows: Choice[] = [
    choice("adviser", rows.adviser, "to_adviser", rows.adviser.description),
    choice("catalogue", rows.catalogue, "to_catalogue", rows.catalogue.description),
    choice("my_orders", rows.myOrders, "to_my_orders", rows.myOrders.description),
    choice("hours", rows.hours, "to_hours", rows.hours.description),
    choice("problem", rows.problem, "to_problem", rows.problem.description),
  ];
  const triggers: Trigger[] = [
    { type: "regex", pattern: STAFF_COMMAND_PATTERN, flags: "i", target: "staff", global: true },
    { type: "keyword", keywords: [...t.keywords.products], match: "word", target: "to_products", global: true },
    // To `start`, not `menu`: a conversation that begins with "menu" is greeted and identified first.
    { type: "keyword", keywords: [...t.keywords.menu], target: "start", global: true },
    { type: "keyword", keywords: [...t.keywords.greetings] },
    { type: "regex", pattern: String.raw`\S` },
    { type: "media" },
    { type: "location" },
  ];
  return flowDocument("welcome", t, "start", triggers, {
    // Greets once per conversation: coming back to the menu from a subflow goes straight to it.
    start: { kind: "decision", conditions: [{ when: { missing: ["greeted"] }, next: "greet" }], default: "menu" },
    greet: { kind: "message", text: t.welcome.greeting, next: "identify" },
    // The menu shows even when the customer cannot be recorded now.
    identify: { kind: "action", action: "customers.identify", input: { name: "{{contact.name}}" }, resultVariable: "customer", next: "greeted", onError: "greeted" },
    greeted: { kind: "set", assignments: [{ variable: "greeted", value: true }], next: "menu" },
    menu: {
      kind: "list",
      text: t.welcome.menu,
      buttonLabel: t.welcome.menuButton,
      sections: [{ rows: menuRows }],
      retryMessage: t.welcome.menuRetry,
      // Never silent: after the last retry the menu is shown again, retries counted afresh.
      maxRetries: 10,
      onFail: "menu",
    },
    to_adviser: { kind: "goto", flow: "adviser" },
    to_catalogue: { kind: "goto", flow: "catalogue" },
    to_my_orders: { kind: "goto", flow: "my-orders" },
    to_hours: { kind: "goto", flow: "hours" },
    to_problem: { kind: "goto", flow: "problem" },
    to_products: { kind: "goto", flow: "products" },
    // not_staff (a customer typed a command word) or any failure: handled as an answer the menu cannot use.
    staff: { kind: "action", action: "staff.command", input: { text: "{{input.text}}", language: t.language }, resultVariable: "staff", next: "staff_reply", onError: "not_understood" },
    staff_reply: { kind: "end", message: "{{staff.reply}}" },
    not_understood: { kind: "message", text: t.welcome.notUnderstood, next: "start" },
  });
}
