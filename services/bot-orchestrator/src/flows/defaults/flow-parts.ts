// Pieces the default flow builders share: flow ids, the document envelope, buttons and list rows,
// the ways out of a subflow (menu, adviser, order) and the "were you attended?" follow-up that the
// adviser, catalogue and problem flows end with.
import type { AlertReason } from "../actions/definitions.js";
import type { FlowDocument, JsonValue, Step, Trigger } from "../language/index.js";
import type { ChoiceText, FlowTexts } from "./flow-texts.js";

/** The main flow first, then the subflows that `goto {flow}` enters. */
export const DEFAULT_FLOW_IDS = ["welcome", "adviser", "catalogue", "order", "my-orders", "hours", "problem", "products"] as const;
export type DefaultFlowId = (typeof DEFAULT_FLOW_IDS)[number];
export const MAIN_FLOW_ID = "welcome" satisfies DefaultFlowId;

export type Steps = Record<string, Step>;

/** A button or a list row (only rows have a description). */
export interface Choice {
  id: string;
  title: string;
  description?: string;
  next: string;
  synonyms?: string[];
}

export function choice(id: string, text: ChoiceText, next: string, description?: string): Choice {
  return {
    id,
    title: text.title,
    ...(description === undefined ? {} : { description }),
    next,
    ...(text.synonyms.length > 0 ? { synonyms: [...text.synonyms] } : {}),
  };
}

export function flowDocument(id: DefaultFlowId, t: FlowTexts, start: string, triggers: Trigger[], steps: Steps): FlowDocument {
  return { schemaVersion: 1, id, name: t.flows[id].name, description: t.flows[id].description, start, triggers, steps };
}

/** Steps leaving a subflow: back to the menu (the welcome skips its greeting once given), to the adviser, to the order. */
export const toMenu: Step = { kind: "goto", flow: MAIN_FLOW_ID };
export const toAdviser: Step = { kind: "goto", flow: "adviser" };
export const toOrder: Step = { kind: "goto", flow: "order" };

/** Buttons offering where to go next; unusable answers re-ask twice, then the menu (step `to_menu` must exist). */
export function offer(text: string, t: FlowTexts, buttons: Choice[]): Step {
  return { kind: "buttons", text, retryMessage: t.common.pickOption, maxRetries: 2, onFail: "to_menu", buttons };
}

/** The adviser and the menu as buttons (steps `to_adviser` and `to_menu` must exist). */
export function adviserOrMenu(text: string, t: FlowTexts): Step {
  return offer(text, t, [choice("adviser", t.common.adviser, "to_adviser"), choice("menu", t.common.menu, "to_menu")]);
}

export interface AttendedOptions {
  /** Why the supervisors are called if nobody attended. */
  reason: AlertReason;
  /** Alert the seller once more (not_attended, high) before escalating; the problem flow does not, so that the same seller is not asked twice. */
  alertAgain: boolean;
  /** A template for the seller's and supervisors' note. */
  note?: string;
}

/**
 * "Were you attended?" at step `attended`: yes releases the seller and thanks; no (optionally
 * alerts the seller again and) escalates to a supervisor. Every failure still tells the customer
 * something. Needs a `to_menu` step in the flow.
 */
export function attendedSteps(t: FlowTexts, options: AttendedOptions): Steps {
  const note: Record<string, JsonValue> = options.note === undefined ? {} : { note: options.note };
  const steps: Steps = {
    attended: {
      kind: "buttons",
      text: t.attended.question,
      retryMessage: t.common.pickOption,
      maxRetries: 2,
      onFail: "to_menu",
      buttons: [choice("attended_yes", t.attended.yes, "release"), choice("attended_no", t.attended.no, options.alertAgain ? "alert_again" : "escalate")],
    },
    release: { kind: "action", action: "sellers.release", input: { reason: options.reason }, next: "thanks", onError: "thanks" },
    thanks: { kind: "end", message: t.attended.thanks },
    escalate: { kind: "action", action: "sellers.escalate", input: { reason: options.reason, ...note, language: t.language }, next: "escalated", onError: "nobody_available" },
    escalated: { kind: "end", message: t.attended.supervisorNotified },
    nobody_available: { kind: "end", message: t.attended.nobodyAvailable },
  };
  if (options.alertAgain) {
    steps["alert_again"] = {
      kind: "action",
      action: "sellers.alert",
      input: { reason: "not_attended", priority: "high", ...note, language: t.language },
      // The supervisors are told even when the seller cannot be.
      next: "escalate",
      onError: "escalate",
    };
  }
  return steps;
}
