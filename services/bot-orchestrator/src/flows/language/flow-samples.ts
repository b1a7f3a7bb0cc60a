// Sample flow documents shared by the validator's and the JSON Schema's tests: one valid and
// several invalid samples per step kind, each invalid one with the problem it must produce.

/** A flow whose start step is `step`, followed by a plain end step named "done". */
export function flowWith(step: Record<string, unknown>, extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    id: "sample",
    name: "Sample",
    start: "first",
    triggers: [{ type: "keyword", keywords: ["hola"] }],
    steps: { first: step, done: { kind: "end" }, ...extra },
    ...top,
  };
}

/** A valid step of each kind (given flows ["catalogo"] and secrets ["CRM_TOKEN"]). */
export const validSteps: [string, Record<string, unknown>][] = [
  ["message", { kind: "message", text: "Hola {{contact.name}}", next: "done" }],
  ["media", { kind: "media", mediaType: "image", url: "https://cdn.shop.example/anillo.jpg", caption: "Anillo", next: "done" }],
  ["buttons", { kind: "buttons", text: "¿Seguimos?", buttons: [{ id: "si", title: "Sí", next: "done" }, { id: "no", title: "No", next: "done" }] }],
  ["list", { kind: "list", text: "Elige", buttonLabel: "Ver opciones", sections: [{ title: "Joyas", rows: [{ id: "anillos", title: "Anillos", description: "Plata y oro", next: "done" }] }] }],
  ["question", { kind: "question", text: "¿Tu correo?", variable: "email", validation: { type: "email" }, retryMessage: "Ese correo no parece válido", maxRetries: 3, onFail: "done", next: "done" }],
  ["question (number)", { kind: "question", text: "¿Cuántas?", variable: "qty", validation: { type: "number", min: 1, max: 10, integer: true }, onFail: "done", next: "done" }],
  ["question (regex)", { kind: "question", text: "¿Código postal?", variable: "cp", validation: { type: "regex", pattern: "^\\d{5}$" }, onFail: "done", next: "done" }],
  ["decision", { kind: "decision", conditions: [{ when: { "<": [{ var: "now.hour" }, 10] }, next: "done" }], default: "done" }],
  ["set", { kind: "set", assignments: [{ variable: "total", value: 3 }, { variable: "doble", expression: { "*": [{ var: "total" }, 2] } }], next: "done" }],
  ["action", { kind: "action", action: "orders.latest", input: { limit: 3 }, resultVariable: "pedidos", next: "done", onError: "done" }],
  ["http", { kind: "http", method: "POST", url: "https://api.shop.example/leads/{{contact.phone}}", headers: [{ name: "Authorization", secret: "CRM_TOKEN", prefix: "Bearer " }], body: { phone: "{{contact.phone}}" }, timeoutMs: 5000, response: { statusVariable: "crm_status", map: [{ variable: "lead_id", pointer: "/data/id" }] }, next: "done", onError: "done" }],
  ["delay", { kind: "delay", seconds: 3, next: "done" }],
  ["wait", { kind: "wait", seconds: 900, next: "done", onReply: "done" }],
  ["goto (step)", { kind: "goto", step: "done" }],
  ["goto (flow)", { kind: "goto", flow: "catalogo" }],
  ["handoff", { kind: "handoff", message: "Te paso con una persona", timeoutSeconds: 3600, next: "done" }],
  ["end", { kind: "end", message: "¡Gracias!" }],
];
const long = (n: number) => "x".repeat(n);
/** Invalid steps: [name, step, pointer of the problem, code]. */
export const invalidSteps: [string, Record<string, unknown>, string, string][] = [
  ["message without next", { kind: "message", text: "Hola" }, "/steps/first/next", "schema_invalid_type"],
  ["message over 4096 characters", { kind: "message", text: long(4097), next: "done" }, "/steps/first/text", "schema_too_big"],
  ["media of an unknown type", { kind: "media", mediaType: "gif", url: "https://x.example/a.gif", next: "done" }, "/steps/first/mediaType", "schema_invalid_value"],
  ["media over http", { kind: "media", mediaType: "image", url: "http://x.example/a.jpg", next: "done" }, "/steps/first/url", "media_url_not_https"],
  ["4 buttons", { kind: "buttons", text: "?", buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}`, next: "done" })) }, "/steps/first/buttons", "schema_too_big"],
  ["a button title over 20", { kind: "buttons", text: "?", buttons: [{ id: "a", title: long(21), next: "done" }] }, "/steps/first/buttons/0/title", "schema_too_big"],
  ["a button id over 256", { kind: "buttons", text: "?", buttons: [{ id: long(257), title: "A", next: "done" }] }, "/steps/first/buttons/0/id", "schema_too_big"],
  ["two buttons with one id", { kind: "buttons", text: "?", buttons: [{ id: "a", title: "A", next: "done" }, { id: "a", title: "B", next: "done" }] }, "/steps/first/buttons", "schema_custom"],
  [
    "a list of 11 rows in two sections",
    { kind: "list", text: "?", buttonLabel: "Ver", sections: [6, 5].map((n, s) => ({ title: `S${s}`, rows: Array.from({ length: n }, (_, r) => ({ id: `r${s}_${r}`, title: "R", next: "done" })) })) },
    "/steps/first/sections",
    "schema_custom",
  ],
  ["a list row title over 24", { kind: "list", text: "?", buttonLabel: "Ver", sections: [{ rows: [{ id: "a", title: long(25), next: "done" }] }] }, "/steps/first/sections/0/rows/0/title", "schema_too_big"],
  ["a list row description over 72", { kind: "list", text: "?", buttonLabel: "Ver", sections: [{ rows: [{ id: "a", title: "A", description: long(73), next: "done" }] }] }, "/steps/first/sections/0/rows/0/description", "schema_too_big"],
  ["a question without onFail", { kind: "question", text: "?", variable: "x", validation: { type: "email" }, next: "done" }, "/steps/first/onFail", "schema_invalid_type"],
  ["a question with min > max", { kind: "question", text: "?", variable: "x", validation: { type: "number", min: 5, max: 1 }, onFail: "done", next: "done" }, "/steps/first/validation/min", "schema_custom"],
  ["a question capturing into a built-in", { kind: "question", text: "?", variable: "contact", validation: { type: "text" }, onFail: "done", next: "done" }, "/steps/first/variable", "variable_reserved"],
  ["a question with a catastrophic pattern", { kind: "question", text: "?", variable: "x", validation: { type: "regex", pattern: "^(a+)+$" }, onFail: "done", next: "done" }, "/steps/first/validation/pattern", "regex_unsafe"],
  ["a question with a pattern that does not compile", { kind: "question", text: "?", variable: "x", validation: { type: "regex", pattern: "([a-z]" }, onFail: "done", next: "done" }, "/steps/first/validation/pattern", "regex_invalid"],
  ["a decision without conditions", { kind: "decision", conditions: [], default: "done" }, "/steps/first/conditions", "schema_too_small"],
  ["a decision with an unknown operator", { kind: "decision", conditions: [{ when: { method: [{ var: "x" }, "toString"] }, next: "done" }], default: "done" }, "/steps/first/conditions/0/when/method", "logic_unknown_operator"],
  ["a decision with a two-key operation", { kind: "decision", conditions: [{ when: { "==": [1, 1], "!=": [1, 2] }, next: "done" }], default: "done" }, "/steps/first/conditions/0/when", "logic_invalid"],
  ["a set into a built-in", { kind: "set", assignments: [{ variable: "now", value: 1 }], next: "done" }, "/steps/first/assignments/0/variable", "variable_reserved"],
  ["a set with both value and expression", { kind: "set", assignments: [{ variable: "x", value: 1, expression: { var: "y" } }], next: "done" }, "/steps/first/assignments/0", "schema_invalid_union"],
  ["an unknown action", { kind: "action", action: "orders.delete_all", next: "done", onError: "done" }, "/steps/first/action", "action_unknown"],
  ["an action input of the wrong type", { kind: "action", action: "orders.latest", input: { limit: "three" }, next: "done", onError: "done" }, "/steps/first/input/limit", "action_input_invalid"],
  ["an action input missing a field", { kind: "action", action: "catalogue.search", input: { query: "anillo" }, next: "done", onError: "done" }, "/steps/first/input/limit", "action_input_invalid"],
  ["an action without onError", { kind: "action", action: "orders.latest", input: { limit: 1 }, next: "done" }, "/steps/first/onError", "schema_invalid_type"],
  ["http over plain http", { kind: "http", method: "GET", url: "http://api.shop.example/x", timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/url", "http_url_not_https"],
  ["http to an IP literal", { kind: "http", method: "GET", url: "https://169.254.169.254/latest/meta-data", timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/url", "http_url_local_host"],
  ["http to a decimal IP", { kind: "http", method: "GET", url: "https://2130706433/", timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/url", "http_url_local_host"],
  ["http to an IPv6 literal", { kind: "http", method: "GET", url: "https://[::1]/", timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/url", "http_url_local_host"],
  ["http to localhost", { kind: "http", method: "GET", url: "https://api.localhost/x", timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/url", "http_url_local_host"],
  ["http with a templated host", { kind: "http", method: "GET", url: "https://{{contact.name}}.example/x", timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/url", "http_url_host_template"],
  ["http with a literal Authorization", { kind: "http", method: "GET", url: "https://api.shop.example/x", headers: [{ name: "Authorization", value: "Bearer abc" }], timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/headers/0/value", "http_literal_secret"],
  ["http with a secret the tenant lacks", { kind: "http", method: "GET", url: "https://api.shop.example/x", headers: [{ name: "X-Api-Key", secret: "NOPE" }], timeoutMs: 1000, next: "done", onError: "done" }, "/steps/first/headers/0/secret", "secret_unknown"],
  ["http with a timeout over 30 s", { kind: "http", method: "GET", url: "https://api.shop.example/x", timeoutMs: 60_000, next: "done", onError: "done" }, "/steps/first/timeoutMs", "schema_too_big"],
  ["a delay of an hour", { kind: "delay", seconds: 3600, next: "done" }, "/steps/first/seconds", "schema_too_big"],
  ["a wait without onReply", { kind: "wait", seconds: 900, next: "done" }, "/steps/first/onReply", "schema_invalid_type"],
  ["a wait of 8 days", { kind: "wait", seconds: 8 * 24 * 3600, next: "done", onReply: "done" }, "/steps/first/seconds", "schema_too_big"],
  ["a goto naming both a step and a flow", { kind: "goto", step: "done", flow: "catalogo" }, "/steps/first", "schema_custom"],
  ["a goto to an unknown flow", { kind: "goto", flow: "nope" }, "/steps/first/flow", "flow_unknown"],
  ["a handoff without timeout", { kind: "handoff", next: "done" }, "/steps/first/timeoutSeconds", "schema_invalid_type"],
  ["an end with a next", { kind: "end", next: "done" }, "/steps/first", "schema_unrecognized_keys"],
  ["an unknown kind", { kind: "teleport", next: "done" }, "/steps/first/kind", "schema_invalid_union"],
];
