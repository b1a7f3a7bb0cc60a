// What templates and JSON Logic rules see: the conversation's variables plus the built-ins
// (contact, bot, tenant, now, input, error, flow — see language/built-in-variables.ts).
import type { JsonValue } from "../language/index.js";
import type { ConversationState, MessageInput } from "./conversation-state.js";

/** Who and where the conversation is: supplied by the service for every turn. */
export interface ConversationContext {
  /** Epoch milliseconds of this turn. */
  now: number;
  contact: { phone: string; name?: string; isNew: boolean };
  bot: { name?: string; phone?: string };
  tenant: { name?: string; timezone: string };
  /** Waits, delays and hand-offs last this fraction of their seconds (1 in production; shorter in tests and demos). */
  timeScale?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short", hourCycle: "h23" });
    } catch {
      formatter = new Intl.DateTimeFormat("en-CA", { timeZone: "UTC", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short", hourCycle: "h23" });
    }
    if (formatters.size < 1000) formatters.set(timezone, formatter);
  }
  return formatter;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function nowView(now: number, timezone: string) {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timezone).formatToParts(new Date(now))) parts[part.type] = part.value;
  return {
    iso: new Date(now).toISOString(),
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    hour: Number(parts.hour),
    weekday: WEEKDAYS[parts.weekday ?? ""] ?? 0,
  };
}

function phoneView(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return digits === "" ? phone : `+${digits}`;
}

function inputView(input: MessageInput | null) {
  if (!input) return { text: "", type: "timer" };
  return {
    text: input.text,
    type: input.kind === "other" ? "text" : input.kind,
    payload: input.payload ?? "",
    media_type: input.mediaType ?? "",
    media_url: input.mediaUrl ?? "",
    latitude: input.latitude ?? null,
    longitude: input.longitude ?? null,
  };
}

/** The parts of the view that stay the same for a whole turn: who, where and when. */
export type TurnFacts = ReturnType<typeof turnFacts>;

export function turnFacts(context: ConversationContext) {
  const name = context.contact.name?.trim() ?? "";
  return {
    contact: { name, first_name: name.split(/\s+/)[0] ?? "", phone: phoneView(context.contact.phone), is_new: context.contact.isNew },
    bot: { name: context.bot.name ?? "", phone: context.bot.phone ? phoneView(context.bot.phone) : "" },
    tenant: { name: context.tenant.name ?? "", timezone: context.tenant.timezone },
    now: nowView(context.now, context.tenant.timezone),
  };
}

/** `facts`: the turn's facts when already computed (they cost a time-zone formatting each). */
export function variablesView(state: ConversationState, context: ConversationContext, input: MessageInput | null, facts: TurnFacts = turnFacts(context)): Record<string, JsonValue | object> {
  return {
    ...state.vars,
    ...facts,
    input: inputView(input),
    error: state.lastError ?? { code: "", message: "" },
    flow: { id: state.flow.slug, version: state.flow.version },
  };
}

/** Reads `a.b.c` from a view (own properties only). */
export function readPath(view: object, path: string): unknown {
  let node: unknown = view;
  for (const segment of path.split(".")) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
