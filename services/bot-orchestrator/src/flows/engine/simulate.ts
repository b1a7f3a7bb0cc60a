// SimulateConversation: the real engine on a flow version, with a virtual clock and nothing sent.
// Actions answer their registry example (after their input is checked as it would be for real),
// http steps answer 200 with no body, and `advance` fires the timers that fall due, in order.
import { FlowDocument, type ActionRegistry } from "../language/index.js";
import type { LoadedFlow } from "./compiled-flow.js";
import type { ConversationState, EngineInput } from "./conversation-state.js";
import type { Call, CallResult, Effect } from "./effects.js";
import { runTurn, resume, type TurnDone } from "./engine.js";
import type { SimulatedTurn, SimulationRequest, SimulationResult } from "./simulation.types.js";

export interface SimulationOptions {
  actions: ActionRegistry;
  /** Other flows `goto {flow}` may enter (besides those in the request), by document id. */
  resolveFlow?: (slug: string) => LoadedFlow | undefined;
  tenant?: { name?: string; timezone?: string };
  bot?: { name?: string; phone?: string };
}

const DEFAULT_PHONE = "5215550000000";
/** Timers one `advance` may fire (a flow that keeps re-arming waits would otherwise never let time pass). */
const MAX_TIMERS_PER_ADVANCE = 100;

export function simulateConversation(flow: LoadedFlow, request: SimulationRequest, options: SimulationOptions): SimulationResult {
  const extra = new Map<string, LoadedFlow>();
  for (const [slug, document] of Object.entries(request.flows ?? {})) {
    const parsed = FlowDocument.safeParse(document);
    if (parsed.success) extra.set(slug, { id: `simulated:${slug}`, version: 1, document: parsed.data });
  }
  const resolveFlow = (slug: string) => extra.get(slug) ?? options.resolveFlow?.(slug);
  let now = request.startAt ?? Date.now();
  // A holder, not a `let`: the compiler cannot follow assignments made inside `play`.
  const conversation: { state: ConversationState | null } = { state: null };
  let firstConversation: string | null = null;
  let entrySeq = 0;
  const turns: SimulatedTurn[] = [];

  const play = (label: string, input: EngineInput) => {
    entrySeq += 1;
    const state = conversation.state;
    const flowOfState = state ? (state.flow.id === flow.id ? flow : (resolveFlow(state.flow.slug) ?? null)) : null;
    const turn: SimulatedTurn = { input: label, replies: [], steps: [], calls: [], events: [] };
    let outcome = runTurn({
      state,
      flow: flowOfState,
      entry: flow,
      resolveFlow,
      input,
      entryId: `sim-${entrySeq}`,
      context: {
        now,
        contact: { phone: request.contactPhone ?? DEFAULT_PHONE, ...(request.contactName ? { name: request.contactName } : {}), isNew: firstConversation === null || state?.id === firstConversation },
        bot: options.bot ?? {},
        tenant: { ...options.tenant, timezone: options.tenant?.timezone ?? "UTC" },
      },
    });
    while (outcome.status === "call") {
      turn.calls.push({ step: outcome.call.step, kind: outcome.call.kind, name: outcome.call.kind === "action" ? outcome.call.action : `${outcome.call.method} ${outcome.call.url}` });
      outcome = resume(outcome.suspension, simulatedResult(outcome.call, options.actions));
    }
    record(turn, outcome);
    conversation.state = outcome.state;
    if (outcome.state && firstConversation === null) firstConversation = outcome.state.id;
    turns.push(turn);
  };

  for (const input of request.inputs) {
    if (input.type === "text") {
      play(input.text, { type: "message", kind: "text", text: input.text });
    } else if (input.type === "payload") {
      play(`[${input.payload}]`, { type: "message", kind: "button", text: input.title ?? "", payload: input.payload });
    } else {
      const until = now + input.seconds * 1000;
      for (let fired = 0; fired < MAX_TIMERS_PER_ADVANCE; fired += 1) {
        const timer = conversation.state?.timer;
        if (!timer || timer.dueAt > until) break;
        now = Math.max(now, timer.dueAt);
        play(`timer:${timer.id}`, { type: "timer", timerId: timer.id });
      }
      now = until;
    }
  }
  const final = conversation.state;
  return {
    turns,
    step: final?.step ?? null,
    variables: final?.vars ?? {},
    timers: final?.timer ? [{ id: final.timer.id, purpose: final.timer.purpose, dueAt: new Date(final.timer.dueAt).toISOString() }] : [],
    paused: final?.pausedUntil !== null && final?.pausedUntil !== undefined && final.pausedUntil > now,
  };
}

function record(turn: SimulatedTurn, outcome: TurnDone): void {
  turn.steps.push(...outcome.steps);
  for (const effect of outcome.effects as Effect[]) {
    if (effect.type === "send") turn.replies.push(effect.content);
    else if (effect.type === "event") turn.events.push(effect.name);
  }
}

function simulatedResult(call: Call, actions: ActionRegistry): CallResult {
  if (call.kind === "http") return { ok: true, status: 200, value: null };
  const definition = Object.hasOwn(actions, call.action) ? actions[call.action] : undefined;
  if (!definition) return { ok: false, code: "action_unknown", message: `unknown action ${call.action}` };
  const input = definition.input.safeParse(call.input);
  if (!input.success) return { ok: false, code: "action_input_invalid", message: input.error.issues[0]?.message ?? "invalid input" };
  return { ok: true, value: definition.example ?? {} };
}
