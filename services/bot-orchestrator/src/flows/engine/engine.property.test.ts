// Property test (fast-check): on random valid flows, random inputs (texts, taps, timers firing, time
// passing, staff resuming, call results) never make the engine throw, and every state it returns
// is a valid stored state that points at steps and timers the flow has.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { z } from "zod";
import { validateFlow, type ActionRegistry, type FlowDocument } from "../language/index.js";
import type { LoadedFlow } from "./compiled-flow.js";
import { ConversationStateSchema, type ConversationState, type EngineInput } from "./conversation-state.js";
import { resume, runTurn, type Turn } from "./engine.js";

const actions: ActionRegistry = { "shop.lookup": { input: z.strictObject({ q: z.string() }) } };
const IDS = ["s0", "s1", "s2", "s3", "s4", "s5"] as const;
const target = fc.constantFrom(...IDS);
const words = ["hola", "menu", "0", "1", "2", "si", "no", "catalogo", "anillo", "12", "ana@example.com", "+52 55 1234 5678", "", "1️⃣", "¿qué?"];

const step = fc.oneof(
  fc.record({ kind: fc.constant("message"), text: fc.constantFrom("Hola {{contact.first_name}}", "Texto", "{{input.text}}"), next: target }),
  fc.record({ kind: fc.constant("question"), text: fc.constant("¿Dato?"), variable: fc.constant("dato"), validation: fc.constantFrom({ type: "text" }, { type: "number", min: 1, max: 5 }, { type: "options", options: [{ value: "si" }, { value: "no" }] }, { type: "email" }), maxRetries: fc.nat(3), onFail: target, next: target }),
  fc.record({ kind: fc.constant("buttons"), text: fc.constant("¿Sí?"), buttons: fc.tuple(target, target).map(([a, b]) => [{ id: "b_si", title: "Sí", next: a }, { id: "b_no", title: "No", next: b }]) }),
  fc.record({ kind: fc.constant("list"), text: fc.constant("Elige"), buttonLabel: fc.constant("Ver"), sections: target.map((t) => [{ rows: [{ id: "r1", title: "Uno", next: t }] }]), onFail: target }),
  fc.record({ kind: fc.constant("decision"), conditions: target.map((t) => [{ when: { "==": [{ var: "input.text" }, "si"] }, next: t }]), default: target }),
  fc.record({ kind: fc.constant("set"), assignments: fc.constant([{ variable: "contador", expression: { "+": [1, 2] } }]), next: target }),
  fc.record({ kind: fc.constant("action"), action: fc.constant("shop.lookup"), input: fc.constant({ q: "{{input.text}}" }), resultVariable: fc.constant("res"), next: target, onError: target }),
  fc.record({ kind: fc.constant("wait"), seconds: fc.integer({ min: 1, max: 3600 }), next: target, onReply: target }),
  fc.record({ kind: fc.constant("delay"), seconds: fc.integer({ min: 1, max: 30 }), next: target }),
  fc.record({ kind: fc.constant("handoff"), timeoutSeconds: fc.integer({ min: 60, max: 7200 }), next: target }),
  fc.record({ kind: fc.constant("goto"), step: target }),
  fc.record({ kind: fc.constant("end"), message: fc.constant("Adiós") }),
);

const document = fc.tuple(fc.array(step, { minLength: IDS.length, maxLength: IDS.length }), fc.boolean()).map(([steps, globalMenu]) => ({
  schemaVersion: 1,
  id: "random",
  name: "Random",
  start: "s0",
  triggers: [{ type: "keyword", keywords: ["hola"] }, { type: "first_contact" }, { type: "keyword", keywords: ["menu", "0"], target: "s1", global: globalMenu }],
  steps: Object.fromEntries(steps.map((s, i) => [IDS[i], s])),
}));

type Move = { kind: "input"; input: EngineInput } | { kind: "fire" } | { kind: "advance"; seconds: number };
const move: fc.Arbitrary<Move> = fc.oneof(
  fc.constantFrom(...words).map((text): Move => ({ kind: "input", input: { type: "message", kind: "text", text } })),
  fc.constantFrom("b_si", "b_no", "r1", "nada").map((payload): Move => ({ kind: "input", input: { type: "message", kind: "button", text: "", payload } })),
  fc.constant<Move>({ kind: "input", input: { type: "message", kind: "media", text: "", mediaType: "image" } }),
  fc.constant<Move>({ kind: "input", input: { type: "resume" } }),
  fc.constant<Move>({ kind: "input", input: { type: "timer", timerId: "stale:t1" } }),
  fc.constant<Move>({ kind: "fire" }),
  fc.integer({ min: 1, max: 7200 }).map((seconds): Move => ({ kind: "advance", seconds })),
);

function checkState(state: ConversationState | null, flow: FlowDocument): void {
  if (!state) return;
  expect(ConversationStateSchema.safeParse(JSON.parse(JSON.stringify(state))).success).toBe(true);
  if (state.step !== null) expect(flow.steps[state.step]).toBeDefined();
  if (state.timer) expect(flow.steps[state.timer.next]).toBeDefined();
}

describe("the engine on random flows and inputs", () => {
  it("never throws and always leaves a valid state", () => {
    let ran = 0;
    fc.assert(
      fc.property(document, fc.array(move, { maxLength: 25 }), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (candidate, moves, callOutcomes) => {
        const checked = validateFlow(candidate, { actions });
        fc.pre(checked.ok);
        if (!checked.ok) return;
        ran += 1;
        const loaded: LoadedFlow = { id: "f", version: 1, document: checked.flow };
        let state: ConversationState | null = null;
        let now = 1_700_000_000_000;
        let calls = 0;
        moves.forEach((m, index) => {
          let input: EngineInput;
          if (m.kind === "advance") {
            now += m.seconds * 1000;
            return;
          }
          if (m.kind === "fire") {
            if (!state?.timer) return;
            now = Math.max(now, state.timer.dueAt);
            input = { type: "timer", timerId: state.timer.id };
          } else {
            input = m.input;
          }
          let turn: Turn = runTurn({ state, flow: state ? loaded : null, entry: loaded, resolveFlow: () => undefined, input, entryId: `e${index}`, context: { now, contact: { phone: "5215512345678", isNew: index === 0 }, bot: {}, tenant: { timezone: "UTC" } } });
          while (turn.status === "call") {
            const ok = callOutcomes[calls % callOutcomes.length] ?? true;
            calls += 1;
            turn = resume(turn.suspension, ok ? { ok: true, value: { items: [] } } : { ok: false, code: "timeout", message: "too slow" });
          }
          for (const effect of turn.effects) if (effect.type === "send" && effect.content.type === "text") expect(effect.content.body.trim()).not.toBe("");
          state = turn.state;
          checkState(state, checked.flow);
        });
      }),
      { numRuns: 1500 },
    );
    // Enough generated flows were valid for the property to mean something.
    expect(ran).toBeGreaterThan(200);
  });
});
