// The variables the engine provides in every conversation, without a step setting them. Flow
// variables may not use these roots as names, so a built-in can never be overwritten.

export const BUILT_IN_VARIABLES = {
  "contact.name": "The contact's WhatsApp profile name (empty when unknown).",
  "contact.first_name": "The first word of contact.name.",
  "contact.phone": "The contact's phone number in E.164 form (+5215512345678).",
  "contact.is_new": "true during the contact's first conversation with this bot.",
  "bot.name": "The bot's display name.",
  "bot.phone": "The bot's phone number in E.164 form.",
  "tenant.name": "The shop's name.",
  "tenant.timezone": "The shop's IANA time zone (America/Mexico_City).",
  "now.iso": "The current instant, ISO 8601 in UTC.",
  "now.date": "Today in the shop's time zone, YYYY-MM-DD.",
  "now.time": "The time in the shop's time zone, HH:mm.",
  "now.hour": "The hour in the shop's time zone, 0–23 (a number: use it in decisions).",
  "now.weekday": "The day of the week in the shop's time zone, 1 (Monday) – 7 (Sunday).",
  "input.text": "The text of the message being handled (empty for media without caption).",
  "input.type": "text | button | list | media | location | timer.",
  "input.payload": "The id of the tapped button or list row.",
  "input.media_type": "image | document | audio | video | sticker, for media messages.",
  "input.media_url": "The media's URL as the provider gives it.",
  "input.latitude": "For location messages.",
  "input.longitude": "For location messages.",
  "error.code": "After an action or http step failed: a stable code (timeout, http_status, action_failed, host_not_allowed…).",
  "error.message": "After an action or http step failed: a short description, safe to show staff.",
  "flow.id": "The running flow's id.",
  "flow.version": "The running flow's version number.",
} as const satisfies Record<string, string>;

export type BuiltInVariable = keyof typeof BUILT_IN_VARIABLES;

/** Roots that flow variables may not use as names. */
export const RESERVED_VARIABLE_ROOTS: ReadonlySet<string> = new Set(Object.keys(BUILT_IN_VARIABLES).map((name) => name.split(".")[0] ?? name));

/** Whether a reference (`contact.name`, `contact`) names a built-in or a whole built-in root. */
export function isBuiltInReference(reference: string): boolean {
  return Object.hasOwn(BUILT_IN_VARIABLES, reference) || RESERVED_VARIABLE_ROOTS.has(reference);
}

/** The flow variable a reference reads (`size` for `size` and `size.label`). */
export function referenceRoot(reference: string): string {
  return reference.split(".")[0] ?? reference;
}
