// "Report a problem": the customer's words go to their seller at once (high priority) and the bot
// pauses 15 minutes; if nobody attended, a supervisor is called — never the same seller again.
import type { FlowDocument } from "../language/index.js";
import { attendedSteps, flowDocument, toMenu } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

export const PROBLEM_HANDOFF_SECONDS = 15 * 60;
/** sellers.alert and sellers.escalate take a note of at most 500 characters. */
const NOTE_LENGTH = 500;

export function problemFlow(t: FlowTexts): FlowDocument {
  // The description is a free-text answer: product words in it ("my ring arrived broken") stay in it.
  return flowDocument("problem", t, "ask", [], {
    ask: {
      kind: "question",
      text: t.problem.ask,
      variable: "problem",
      validation: { type: "text", minLength: 2, maxLength: NOTE_LENGTH },
      retryMessage: t.problem.askRetry,
      maxRetries: 2,
      onFail: "to_menu",
      next: "alert",
    },
    alert: {
      kind: "action",
      action: "sellers.alert",
      input: { reason: "problem", priority: "high", note: "{{problem}}", language: t.language },
      resultVariable: "alert",
      next: "alerted",
      // Nobody to alert (or the alert failed): straight to the supervisors.
      onError: "escalate",
    },
    alerted: { kind: "message", text: t.problem.alerted, next: "handoff" },
    handoff: { kind: "handoff", timeoutSeconds: PROBLEM_HANDOFF_SECONDS, next: "attended" },
    ...attendedSteps(t, { reason: "problem", alertAgain: false, note: "{{problem}}" }),
    to_menu: toMenu,
  });
}
