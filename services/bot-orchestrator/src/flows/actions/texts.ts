// What the actions write for people, in Spanish and English: money, order statuses, opening hours,
// the WhatsApp messages sent to sellers and the replies to staff commands. Times are the shop's
// wall clock (its IANA time zone, read through Intl), written on a 24-hour clock ("9:00", "19:00").
import { OrderStatus } from "@fleet/contracts/commerce";
import type { AlertReason, Language } from "./definitions.js";

const LOCALES: Record<Language, string> = { es: "es-MX", en: "en-US" };

interface MoneyValue {
  currency: string;
  amountMinor: bigint;
}

/** An amount in minor units written exactly as a decimal string, for Intl (no float rounding). */
function decimalOf(amountMinor: bigint, fractionDigits: number): string {
  const negative = amountMinor < 0n;
  const absolute = negative ? -amountMinor : amountMinor;
  const scale = 10n ** BigInt(fractionDigits);
  const units = (absolute / scale).toString();
  const fraction = fractionDigits > 0 ? `.${(absolute % scale).toString().padStart(fractionDigits, "0")}` : "";
  return `${negative ? "-" : ""}${units}${fraction}`;
}

/** Intl formats by language and currency (null: a currency Intl does not know); building one costs far more than using it. */
const currencyFormats = new Map<string, { format: Intl.NumberFormat; digits: number } | null>();
const MAX_CURRENCY_FORMATS = 500;

function currencyFormat(currency: string, language: Language): { format: Intl.NumberFormat; digits: number } | null {
  const key = `${language}:${currency}`;
  const cached = currencyFormats.get(key);
  if (cached !== undefined) return cached;
  let built: { format: Intl.NumberFormat; digits: number } | null;
  try {
    const format = new Intl.NumberFormat(LOCALES[language], { style: "currency", currency });
    built = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
  } catch {
    built = null;
  }
  if (currencyFormats.size < MAX_CURRENCY_FORMATS) currencyFormats.set(key, built);
  return built;
}

/** "$2,450.00" (MXN in Spanish), "$2,450.00" (USD in English), "CLP 15,000": the currency's own decimals. */
export function formatMoney(money: MoneyValue, language: Language): string {
  const known = currencyFormat(money.currency, language);
  // A currency Intl does not know still shows its amount: two decimals and the code as given.
  if (!known) return `${decimalOf(money.amountMinor, 2)} ${money.currency}`.trim();
  return known.format.format(decimalOf(money.amountMinor, known.digits) as Intl.StringNumericLiteral);
}

export function priceText(money: MoneyValue | undefined, language: Language): string {
  if (!money) return language === "es" ? "Precio a consultar" : "Price on request";
  return formatMoney(money, language);
}

const STATUS_LABELS: Record<Language, Record<OrderStatus, string>> = {
  es: {
    [OrderStatus.UNSPECIFIED]: "Sin estado",
    [OrderStatus.PENDING]: "Pendiente",
    [OrderStatus.CONFIRMED]: "Confirmado",
    [OrderStatus.IN_PROCESS]: "En preparación",
    [OrderStatus.PACKED]: "Empacado",
    [OrderStatus.READY]: "Listo",
    [OrderStatus.ON_THE_WAY]: "En camino",
    [OrderStatus.DELIVERED]: "Entregado",
    [OrderStatus.CANCELLED]: "Cancelado",
  },
  en: {
    [OrderStatus.UNSPECIFIED]: "No status",
    [OrderStatus.PENDING]: "Pending",
    [OrderStatus.CONFIRMED]: "Confirmed",
    [OrderStatus.IN_PROCESS]: "In process",
    [OrderStatus.PACKED]: "Packed",
    [OrderStatus.READY]: "Ready",
    [OrderStatus.ON_THE_WAY]: "On the way",
    [OrderStatus.DELIVERED]: "Delivered",
    [OrderStatus.CANCELLED]: "Cancelled",
  },
};

export function orderStatusLabel(status: OrderStatus, language: Language): string {
  // A status newer than this build is still shown as something.
  return STATUS_LABELS[language][status] ?? STATUS_LABELS[language][OrderStatus.UNSPECIFIED];
}

/** Index 0 is Monday, as the gateway's `weekday` 1. */
const WEEKDAY_NAMES: Record<Language, readonly string[]> = {
  es: ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
  en: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
};

/** The weekday's name (1 Monday … 7 Sunday), capitalised when it starts a line. */
export function weekdayName(weekday: number, language: Language, capitalised = false): string {
  const name = WEEKDAY_NAMES[language][(((weekday - 1) % 7) + 7) % 7] ?? "";
  return capitalised ? name.charAt(0).toUpperCase() + name.slice(1) : name;
}

// ——— The shop's clock ———

/** A moment as the shop's clock and calendar show it. */
interface WallClock {
  /** Days since 1970-01-01 of the local date, to count calendar days between two moments. */
  day: number;
  /** 1 Monday … 7 Sunday. */
  weekday: number;
  hour: number;
  minute: number;
  /** "YYYY-MM-DD". */
  date: string;
}

const WEEKDAY_NUMBERS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone as given when the runtime knows it, UTC otherwise (a bad setting must not break the reply). */
export function safeTimeZone(timeZone: string): string {
  if (timeZone === "") return "UTC";
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    return "UTC";
  }
}

function wallClock(at: number, timeZone: string): WallClock {
  const zone = safeTimeZone(timeZone);
  let format = clockFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short" });
    clockFormats.set(zone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(at))) parts[part.type] = part.value;
  const [year, month, day] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  return {
    day: Math.round(Date.UTC(year, month - 1, day) / 86_400_000),
    weekday: WEEKDAY_NUMBERS[parts.weekday ?? ""] ?? 1,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

/** "YYYY-MM-DD" of the moment in the shop's time zone. */
export function localDate(at: number, timeZone: string): string {
  return wallClock(at, timeZone).date;
}

const clockTime = (hour: number, minute: number) => `${hour}:${String(minute).padStart(2, "0")}`;

/**
 * When `at` is, seen from `now` on the shop's clock: "hoy a las 19:00", "mañana a la 1:00",
 * "el lunes a las 9:00" / "today at 19:00", "on Monday at 9:00". A moment at midnight can be
 * written as the end of the day before ("hoy a medianoche"), which is how people say a closing time.
 */
export function whenText(at: number, now: number, timeZone: string, language: Language, midnightEndsDay = false): string {
  const target = wallClock(at, timeZone);
  let days = target.day - wallClock(now, timeZone).day;
  let weekday = target.weekday;
  let time: string;
  if (midnightEndsDay && target.hour === 0 && target.minute === 0 && days >= 1) {
    days -= 1;
    weekday = weekday === 1 ? 7 : weekday - 1;
    time = language === "es" ? "a medianoche" : "at midnight";
  } else {
    const clock = clockTime(target.hour, target.minute);
    time = language === "es" ? `${target.hour === 1 ? "a la" : "a las"} ${clock}` : `at ${clock}`;
  }
  if (days <= 0) return language === "es" ? `hoy ${time}` : `today ${time}`;
  if (days === 1) return language === "es" ? `mañana ${time}` : `tomorrow ${time}`;
  return language === "es" ? `el ${weekdayName(weekday, "es")} ${time}` : `on ${weekdayName(weekday, "en")} ${time}`;
}

// ——— Opening hours ———

export interface HoursView {
  openNow: boolean;
  /** When open_now changes (epoch ms); null when it never does (always open, or no hours at all). */
  nextChange: number | null;
  timeZone: string;
}

/** "Estamos abiertos ahora; cerramos hoy a las 19:00." / "Ahora estamos cerrados. Abrimos mañana a las 9:00." */
export function hoursSummary({ openNow, nextChange, timeZone }: HoursView, now: number, language: Language): string {
  if (nextChange === null) {
    if (openNow) return language === "es" ? "Estamos abiertos todo el tiempo." : "We are open all the time.";
    return language === "es" ? "No tenemos horario de atención configurado." : "We have no opening hours set up.";
  }
  if (openNow) {
    const when = whenText(nextChange, now, timeZone, language, true);
    return language === "es" ? `Estamos abiertos ahora; cerramos ${when}.` : `We are open now; we close ${when}.`;
  }
  const when = whenText(nextChange, now, timeZone, language);
  return language === "es" ? `Ahora estamos cerrados. Abrimos ${when}.` : `We are closed now. We open ${when}.`;
}

/** "09:00" → "9:00"; "24:00" stays. */
const hourText = (time: string) => time.replace(/^0(\d)/, "$1");

/** One line per day, Monday to Sunday: "Lunes: 9:00–14:00, 16:00–20:00", "Domingo: cerrado". */
export function scheduleText(days: readonly { weekday: number; ranges: readonly { open: string; close: string }[] }[], language: Language): string {
  const lines: string[] = [];
  for (let weekday = 1; weekday <= 7; weekday += 1) {
    const ranges = [...(days.find((day) => day.weekday === weekday)?.ranges ?? [])].sort((a, b) => a.open.localeCompare(b.open));
    const text = ranges.length === 0 ? (language === "es" ? "cerrado" : "closed") : ranges.map((range) => `${hourText(range.open)}–${hourText(range.close)}`).join(", ");
    lines.push(`${weekdayName(weekday, language, true)}: ${text}`);
  }
  return lines.join("\n");
}

// ——— Messages to sellers ———

const REASONS: Record<Language, Record<AlertReason, string>> = {
  es: {
    adviser: "Quiere hablar con un asesor",
    catalogue_interest: "Le interesa el catálogo",
    product_interest: "Le interesa un producto",
    order: "Sobre un pedido",
    problem: "Reporta un problema",
    not_attended: "No fue atendido",
  },
  en: {
    adviser: "Wants to talk to an adviser",
    catalogue_interest: "Interested in the catalogue",
    product_interest: "Interested in a product",
    order: "About an order",
    problem: "Reports a problem",
    not_attended: "Was not attended",
  },
};

export function reasonLabel(reason: AlertReason, language: Language): string {
  return REASONS[language][reason];
}

export interface AlertMessage {
  customerName: string;
  /** The customer's phone digits. */
  customerDigits: string;
  reason: AlertReason;
  priority: "normal" | "high";
  note?: string | undefined;
  /** A supervisor's message: the customer's seller did not attend them. */
  escalation?: boolean;
}

/** The WhatsApp text a seller (or a supervisor) gets from the bot about a customer. */
export function alertText(alert: AlertMessage, language: Language): string {
  const es = language === "es";
  const lines: string[] = [];
  if (alert.priority === "high") lines.push(es ? "🚨 URGENTE" : "🚨 URGENT");
  if (alert.escalation) lines.push(es ? "⚠️ *Cliente sin atender*: su vendedor no lo atendió a tiempo." : "⚠️ *Customer not attended*: their seller did not attend them in time.");
  else lines.push(es ? "🔔 *Cliente para atender*" : "🔔 *A customer needs you*");
  const name = alert.customerName.trim() || (es ? "Cliente sin nombre" : "Unnamed customer");
  lines.push(`👤 ${name} (+${alert.customerDigits})`);
  lines.push(`📌 ${es ? "Motivo" : "Reason"}: ${reasonLabel(alert.reason, language)}`);
  const note = alert.note?.trim();
  if (note) lines.push(`📝 ${es ? "Nota" : "Note"}: ${note}`);
  lines.push(`💬 ${es ? "Escríbele" : "Write to them"}: https://wa.me/${alert.customerDigits}`);
  return lines.join("\n");
}

// ——— Replies to staff commands ———

export const staffTexts = {
  usage: (language: Language, problem?: "number" | "minutes") => {
    const es = language === "es";
    const first = problem === "number" ? (es ? "Número no válido (7 a 15 dígitos). " : "Invalid number (7 to 15 digits). ") : problem === "minutes" ? (es ? "Minutos no válidos (1 a 10080). " : "Invalid minutes (1 to 10080). ") : "";
    return es
      ? `${first}Comandos: pausar <número> [minutos] · reanudar <número> · estado <número>`
      : `${first}Commands: pause <number> [minutes] · resume <number> · status <number>`;
  },
  ownNumber: (language: Language) => (language === "es" ? "No puedes pausar tu propio número." : "You cannot pause your own number."),
  paused: (digits: string, minutes: number, language: Language) => (language === "es" ? `⏸️ Bot en pausa para +${digits} durante ${minutes} min.` : `⏸️ Bot paused for +${digits} for ${minutes} min.`),
  notPaused: (digits: string, language: Language) =>
    language === "es" ? `No hay una conversación con +${digits} que pausar.` : `There is no conversation with +${digits} to pause.`,
  resumed: (digits: string, language: Language) => (language === "es" ? `▶️ Bot reanudado para +${digits}.` : `▶️ Bot resumed for +${digits}.`),
  wasNotPaused: (digits: string, language: Language) => (language === "es" ? `ℹ️ El bot no estaba en pausa para +${digits}.` : `ℹ️ The bot was not paused for +${digits}.`),
  noConversation: (digits: string, language: Language) => (language === "es" ? `ℹ️ +${digits} no tiene una conversación con el bot.` : `ℹ️ +${digits} has no conversation with the bot.`),
  pausedUntil: (digits: string, when: string, language: Language) => (language === "es" ? `⏸️ +${digits}: bot en pausa hasta ${when}.` : `⏸️ +${digits}: bot paused until ${when}.`),
  waitingAt: (digits: string, step: string | null, language: Language) => {
    if (language === "es") return step ? `💬 +${digits}: conversación activa, esperando en el paso «${step}».` : `💬 +${digits}: conversación activa.`;
    return step ? `💬 +${digits}: active conversation, waiting at step “${step}”.` : `💬 +${digits}: active conversation.`;
  },
};
