// staff.command: chat commands for the shop's sellers ("pausar 5215512345678 30", "reanudar …",
// "estado …"), accepted only from numbers the gateway knows as the tenant's staff. Everyone else gets
// not_staff, so their message goes on through the normal flow.
import { AppError, toAppError } from "@fleet/service-kit";
import { normalizeText } from "../language/index.js";
import type { ActionContext } from "../runtime/call-runner.js";
import { phoneDigits, truncate, type ActionRuns } from "./action-helpers.js";
import type { Language } from "./definitions.js";
import type { FlowActionsDeps } from "./registry.js";
import { staffTexts, whenText } from "./texts.js";

const DEFAULT_MINUTES = 60;
/** A week: a longer pause is a setting, not a chat command. */
const MAX_MINUTES = 10_080;
const BY_MAX = 64;

const VERBS: Record<string, "pause" | "resume" | "status"> = { pausar: "pause", pause: "pause", reanudar: "resume", resume: "resume", estado: "status", status: "status" };
const MINUTE_UNITS = new Set(["m", "min", "mins", "minuto", "minutos", "minute", "minutes"]);

export type StaffCommand =
  | { kind: "pause"; digits: string; minutes: number }
  | { kind: "resume" | "status"; digits: string }
  | { kind: "usage"; problem?: "number" | "minutes" };

/** Digits of a number as typed ("+52 1 55-1234-5678", "(55) 1234"), or null when a token is not part of a number. */
function numberDigits(tokens: readonly string[]): string | null {
  if (tokens.length === 0 || tokens.some((token) => !/^[+\d().-]+$/.test(token))) return null;
  const digits = tokens.join("").replace(/\D/g, "");
  return digits.length >= 7 && digits.length <= 15 ? digits : null;
}

/**
 * The command in a staff message. A number may be written with spaces (as WhatsApp shows it), so
 * minutes are recognised when they carry a unit ("30 min", "30min") or follow a number written in
 * one piece ("pausar 5215512345678 30"); otherwise every token after the verb is the number.
 */
export function parseStaffCommand(text: string): StaffCommand {
  const tokens = text.trim().split(/\s+/).filter((token) => token !== "");
  const verb = VERBS[normalizeText(tokens[0] ?? "")];
  if (!verb) return { kind: "usage" };
  let rest = tokens.slice(1);
  let minutesText: string | undefined;
  if (verb === "pause" && rest.length >= 2) {
    const last = normalizeText(rest[rest.length - 1] ?? "");
    const beforeLast = rest[rest.length - 2] ?? "";
    const glued = /^(\d{1,6}) ?([a-z]+)$/.exec(last);
    if (MINUTE_UNITS.has(last) && /^\d{1,6}$/.test(beforeLast)) {
      minutesText = beforeLast;
      rest = rest.slice(0, -2);
    } else if (glued?.[1] && glued[2] && MINUTE_UNITS.has(glued[2])) {
      minutesText = glued[1];
      rest = rest.slice(0, -1);
    } else if (rest.length === 2 && numberDigits(rest.slice(0, 1)) !== null && /^\d{1,6}$/.test(rest[1] ?? "")) {
      minutesText = rest[1];
      rest = rest.slice(0, 1);
    }
  }
  const digits = numberDigits(rest);
  if (digits === null) return { kind: "usage", problem: "number" };
  if (verb !== "pause") return { kind: verb, digits };
  const minutes = minutesText === undefined ? DEFAULT_MINUTES : Number(minutesText);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) return { kind: "usage", problem: "minutes" };
  return { kind: "pause", digits, minutes };
}

export function staffActions({ commerce, conversations, logger, now = Date.now }: FlowActionsDeps): ActionRuns<"staff.command"> {
  async function staffMember(context: ActionContext) {
    try {
      const { seller } = await commerce.findStaffByPhone({ tenantId: context.tenantId, phone: phoneDigits(context.contact) });
      if (seller) return seller;
    } catch (error) {
      if (!(error instanceof AppError && error.kind === "not_found")) throw error;
    }
    throw new AppError("permission_denied", "NOT_STAFF", "Only the shop's staff can run chat commands");
  }

  /** The shop's time zone for "paused until"; UTC when the settings cannot be read. */
  async function timeZoneOf(context: ActionContext): Promise<string> {
    try {
      return (await commerce.getBusinessHours({ tenantId: context.tenantId })).timeZone || "UTC";
    } catch (error) {
      logger.warn("shop time zone unavailable, staff status in UTC", { tenantId: context.tenantId, code: toAppError(error).code });
      return "UTC";
    }
  }

  async function statusReply(context: ActionContext, digits: string, language: Language): Promise<string> {
    const [status, timeZone] = await Promise.all([conversations.status(context.tenantId, context.botId, digits), timeZoneOf(context)]);
    const at = now();
    if (status.pausedUntil !== null && status.pausedUntil > at) return staffTexts.pausedUntil(digits, whenText(status.pausedUntil, at, timeZone, language), language);
    if (!status.exists) return staffTexts.noConversation(digits, language);
    return staffTexts.waitingAt(digits, status.step, language);
  }

  return {
    async "staff.command"(input, context) {
      const staff = await staffMember(context);
      const command = parseStaffCommand(input.text);
      const by = truncate(`staff:${staff.name}`, BY_MAX);
      context.signal.throwIfAborted();
      switch (command.kind) {
        case "usage":
          return { reply: staffTexts.usage(input.language, command.problem), command: "usage", number: "", done: false };
        case "pause": {
          // Pausing the bot for oneself would silence the staff member's own commands.
          if (command.digits === phoneDigits(staff.phone) || command.digits === phoneDigits(context.contact)) return { reply: staffTexts.ownNumber(input.language), command: "refused", number: command.digits, done: false };
          const paused = await conversations.pause(context.tenantId, context.botId, command.digits, now() + command.minutes * 60_000, by);
          const reply = paused ? staffTexts.paused(command.digits, command.minutes, input.language) : staffTexts.notPaused(command.digits, input.language);
          return { reply, command: "pause", number: command.digits, done: paused };
        }
        case "resume": {
          const resumed = await conversations.resume(context.tenantId, context.botId, command.digits, by);
          return { reply: resumed ? staffTexts.resumed(command.digits, input.language) : staffTexts.wasNotPaused(command.digits, input.language), command: "resume", number: command.digits, done: resumed };
        }
        case "status":
          return { reply: await statusReply(context, command.digits, input.language), command: "status", number: command.digits, done: true };
      }
    },
  };
}
