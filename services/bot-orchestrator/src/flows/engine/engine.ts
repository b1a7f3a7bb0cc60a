// The flow engine's pure core: (flow version, conversation state, input, now) → (new state, effects).
// No I/O here: an action or http step makes the turn stop with a `call` the service answers, and the
// turn goes on with `resume(suspension, result)`. The input state is never modified; a turn works on
// its own copy. Nothing here throws on a contact's input: a flow that cannot go on ends the
// conversation with an `error` event instead.
import type { FlowDocument, JsonValue, Step, StepOf } from "../language/index.js";
import { INPUT_KINDS, LIMITS } from "../language/index.js";
import { checkAnswer, chooseOption } from "./answers.js";
import { compileFlow, evaluateLogic, toJson, truthy, type CompiledFlow, type CompiledTrigger, type LoadedFlow } from "./compiled-flow.js";
import { EngineInputSchema, MAX_PENDING, type ConversationState, type EngineInput, type MessageInput, type StateTimer } from "./conversation-state.js";
import type { Call, CallResult, Effect, EngineEventName, OutboundContent, TimerPurpose } from "./effects.js";
import { readPath, turnFacts, variablesView, type ConversationContext, type TurnFacts } from "./variables-view.js";

export interface TurnRequest {
  /** The conversation's current state (null: the contact has none, or it expired). */
  state: ConversationState | null;
  /** The flow version the state runs (ignored without a state). */
  flow: LoadedFlow | null;
  /** The bot's active main flow: new conversations start here, and its global intents apply everywhere. */
  entry: LoadedFlow | null;
  /** Other flows of the bot that `goto {flow}` may enter, by document id. */
  resolveFlow(slug: string): LoadedFlow | undefined;
  input: EngineInput;
  /** The inbound entry's id: a conversation this turn starts is named after it (and so are its timers). */
  entryId: string;
  context: ConversationContext;
}

export interface TurnDone {
  status: "done";
  /** The state to store (null: nothing to store, the contact has no conversation). */
  state: ConversationState | null;
  effects: Effect[];
  /** The steps run, in order. */
  steps: string[];
}

export interface TurnCall {
  status: "call";
  call: Call;
  /** Hand it back to `resume` with the call's result. */
  suspension: Suspension;
}

export type Turn = TurnDone | TurnCall;

/** Steps one turn may run before the engine stops it (a validated flow never loops without waiting; flows that goto each other could). */
export const STEP_BUDGET = 500;
/** Retries of a question, buttons or list step when the flow does not say. */
export const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_ACTION_TIMEOUT_MS = 10_000;

export function runTurn(request: TurnRequest): Turn {
  const parsed = EngineInputSchema.safeParse(request.input);
  const run = new Run(request);
  if (!parsed.success) {
    run.emit("error", { code: "input_invalid", step: null });
    return run.finish();
  }
  run.accept(parsed.data);
  return run.drive();
}

/** A turn stopped at an action or http step, waiting for its result (opaque; hand it to `resume`). */
export interface Suspension {
  readonly call: Call;
}

const runs = new WeakMap<Suspension, Run>();

/** Goes on with a suspended turn. A suspension is used once: resuming it again is a programming error. */
export function resume(suspension: Suspension, result: CallResult): Turn {
  const run = runs.get(suspension);
  if (!run) throw new Error("this suspension was already resumed");
  runs.delete(suspension);
  run.settle(suspension.call, result);
  return run.drive();
}

type Cursor = { step: string; input?: MessageInput };

/** One turn's work: a private copy of the state, the effects so far, where to go next. */
class Run {
  private state: ConversationState | null;
  private compiled: CompiledFlow | null;
  private readonly effects: Effect[] = [];
  private readonly steps: string[] = [];
  private cursor: Cursor | null = null;
  /** Messages held during a delay, handled once the turn reaches a waiting step. */
  private queue: MessageInput[] = [];
  /** The message being handled (for input.* in templates). */
  private input: MessageInput | null = null;
  private budget = STEP_BUDGET;
  /** Who, where and when: the same for the whole turn, computed on first use. */
  private facts: TurnFacts | undefined;
  private finished = false;

  constructor(private readonly request: TurnRequest) {
    this.state = request.state ? structuredClone(request.state) : null;
    this.compiled = request.state && request.flow ? compileFlow(request.flow) : null;
  }

  private get now(): number {
    return this.request.context.now;
  }

  // ---- inputs -------------------------------------------------------------------------------

  accept(input: ReturnType<typeof EngineInputSchema.parse>): void {
    if (input.type === "message") this.handleMessage(input);
    else if (input.type === "timer") this.handleTimer(input.timerId, input.name);
    else if (input.type === "pause") this.handlePause(input.until);
    else this.handleResume();
  }

  private handleMessage(input: MessageInput): void {
    this.input = input;
    const state = this.state;
    if (state && state.pausedUntil !== null) {
      if (this.now < state.pausedUntil) return; // staff has the conversation: the bot stays silent
      // The hand-off ran out and its timer has not fired yet: the bot takes the conversation back.
      const next = state.timer?.next;
      this.resumeFromPause();
      if (next === undefined) {
        this.handleMessage(input);
        return;
      }
      this.cursor = { step: next };
      this.queue.push(input);
      return;
    }
    if (!state || state.step === null || !this.compiled) {
      this.startFromTrigger(input);
      return;
    }
    if (state.timer?.purpose === "delay") {
      if (state.pending.length >= MAX_PENDING) {
        this.emit("error", { code: "pending_overflow", step: state.step });
        state.pending.shift();
      }
      state.pending.push(input);
      return;
    }
    const step = this.compiled.flow.document.steps[state.step];
    if (!step) {
      this.fail("step_missing", state.step);
      return;
    }
    // A tap on one of this step's own buttons or rows beats any global intent.
    if ((step.kind === "buttons" || step.kind === "list") && input.payload !== undefined && chooseOption(optionsOf(step), input)) {
      this.cursor = { step: state.step, input };
      return;
    }
    if (INPUT_KINDS.has(step.kind) && this.tryGlobalIntent(input, takesFreeText(step))) return;
    if (step.kind === "question" || step.kind === "buttons" || step.kind === "list") {
      this.cursor = { step: state.step, input };
      return;
    }
    if (step.kind === "wait") {
      this.cancelTimer();
      this.cursor = { step: step.onReply, input };
      return;
    }
    // Waiting nowhere the contact can answer (should not happen): start over from the triggers.
    this.startFromTrigger(input);
  }

  private handleTimer(timerId: string, name: string | undefined): void {
    const state = this.state;
    const timer = state?.timer;
    if (state && timer && timer.id === timerId) {
      state.timer = null;
      if (timer.purpose === "handoff") {
        state.pausedUntil = null;
        this.effects.push({ type: "resume" });
      }
      if (timer.purpose === "delay") {
        this.queue.push(...state.pending.flatMap((pending) => (pending.type === "message" ? [pending] : [])));
        state.pending = [];
      }
      this.cursor = { step: timer.next };
      return;
    }
    if (name === undefined) return; // a timer the conversation no longer waits for: nothing to do
    const entry = this.request.entry;
    if (!entry) return;
    const trigger = compileFlow(entry).triggers.find((t) => t.trigger.type === "timer" && t.trigger.timer === name);
    if (trigger) this.start(entry, trigger);
  }

  /**
   * Staff takes the contact over until `until`: the bot stays silent (timers of the flow are set
   * aside) and, when the pause ends or staff resumes it, comes back at the step it waited at. A
   * contact with no conversation gets an idle one on the bot's main flow, to hold the pause.
   */
  private handlePause(until: number): void {
    if (until <= this.now) return;
    if (!this.state) {
      const entry = this.request.entry;
      if (!entry) return;
      this.state = this.newState(entry);
      this.compiled = compileFlow(entry);
    }
    const state = this.state;
    const waitingAt = state.step;
    this.cancelTimer();
    state.pausedUntil = until;
    if (waitingAt !== null) {
      state.seq += 1;
      const timer: StateTimer = { id: `${state.id}:t${state.seq}`, purpose: "handoff", dueAt: until, next: waitingAt };
      state.timer = timer;
      this.effects.push({ type: "schedule_timer", timer: { id: timer.id, purpose: "handoff", dueAt: until } });
    }
    this.effects.push({ type: "pause", until, step: waitingAt ?? "" });
  }

  private handleResume(): void {
    const state = this.state;
    if (!state || state.pausedUntil === null) return;
    const next = state.timer?.purpose === "handoff" ? state.timer.next : null;
    this.resumeFromPause();
    if (next) this.cursor = { step: next };
  }

  private resumeFromPause(): void {
    if (!this.state) return;
    this.cancelTimer();
    this.state.pausedUntil = null;
    this.effects.push({ type: "resume" });
  }

  // ---- triggers -----------------------------------------------------------------------------

  private startFromTrigger(input: MessageInput): void {
    const entry = this.request.entry;
    if (!entry) return;
    const compiled = compileFlow(entry);
    const firstContact = this.request.context.contact.isNew && this.state === null ? compiled.triggers.find((t) => t.trigger.type === "first_contact") : undefined;
    const trigger = firstContact ?? matchTrigger(compiled.triggers, input, false);
    if (trigger) this.start(entry, trigger);
  }

  /** A global intent the message fires from the waiting step; `freeText`: the step takes any text, so words inside it fire nothing. */
  private tryGlobalIntent(input: MessageInput, freeText: boolean): boolean {
    const state = this.state;
    if (!state || !this.compiled) return false;
    const here = matchTrigger(this.compiled.triggers, input, true, freeText);
    if (here) {
      this.jump(here.target);
      return true;
    }
    const entry = this.request.entry;
    if (!entry || entry.id === this.compiled.flow.id) return false;
    const there = matchTrigger(compileFlow(entry).triggers, input, true, freeText);
    if (!there) return false;
    this.enterFlow(entry);
    this.jump(there.target);
    return true;
  }

  /** A global intent: go to its step, keeping the variables. */
  private jump(target: string): void {
    if (!this.state) return;
    this.cancelTimer();
    this.state.retries = 0;
    this.cursor = { step: target };
  }

  private start(flow: LoadedFlow, trigger: CompiledTrigger): void {
    if (this.state?.step) this.cancelTimer();
    this.state = this.newState(flow);
    this.compiled = compileFlow(flow);
    this.emit("conversation.started", { trigger: trigger.trigger.type, step: trigger.target });
    this.cursor = { step: trigger.target };
  }

  private newState(flow: LoadedFlow): ConversationState {
    return {
      v: 1,
      id: this.request.entryId,
      flow: { id: flow.id, slug: flow.document.id, version: flow.version },
      step: null,
      vars: {},
      retries: 0,
      timer: null,
      pausedUntil: null,
      pending: [],
      lastError: null,
      seq: 0,
      startedAt: this.now,
      updatedAt: this.now,
    };
  }

  private enterFlow(flow: LoadedFlow): void {
    if (!this.state) return;
    this.state.flow = { id: flow.id, slug: flow.document.id, version: flow.version };
    this.compiled = compileFlow(flow);
  }

  // ---- the step loop ------------------------------------------------------------------------

  drive(): Turn {
    while (!this.finished) {
      const cursor = this.cursor;
      if (cursor) {
        this.cursor = null;
        if (this.budget <= 0) {
          this.fail("step_budget_exceeded", cursor.step);
          continue;
        }
        this.budget -= 1;
        const call = this.execute(cursor.step, cursor.input);
        if (call) {
          const suspension: Suspension = { call };
          runs.set(suspension, this);
          return { status: "call", call, suspension };
        }
        continue;
      }
      const next = this.queue.shift();
      if (next === undefined) break;
      this.handleMessage(next);
    }
    return this.finish();
  }

  finish(): TurnDone {
    this.finished = true;
    if (this.state) this.state.updatedAt = this.now;
    return { status: "done", state: this.state, effects: this.effects, steps: this.steps };
  }

  private execute(stepId: string, input: MessageInput | undefined): Call | undefined {
    const state = this.state;
    const document = this.compiled?.flow.document;
    const step = document?.steps[stepId];
    if (!state || !document || !step) {
      this.fail("step_missing", stepId);
      return undefined;
    }
    if (input) this.input = input;
    this.steps.push(stepId);
    switch (step.kind) {
      case "message":
        this.send({ type: "text", body: this.text(step.text, LIMITS.text) });
        this.cursor = { step: step.next };
        return undefined;
      case "media":
        this.sendMedia(stepId, step);
        this.cursor = { step: step.next };
        return undefined;
      case "buttons":
      case "list":
      case "question":
        this.atInputStep(stepId, step, input);
        return undefined;
      case "decision":
        this.cursor = { step: this.decide(stepId, step) };
        return undefined;
      case "set":
        this.assign(stepId, step);
        this.cursor = { step: step.next };
        return undefined;
      case "action":
        return {
          kind: "action",
          step: stepId,
          action: step.action,
          input: this.resolveRecord(step.input ?? {}),
          timeoutMs: step.timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS,
        };
      case "http":
        return {
          kind: "http",
          step: stepId,
          method: step.method,
          url: this.compilation().renderUrl(step.url, this.view()),
          headers: (step.headers ?? []).map((header) => ("value" in header ? { name: header.name, value: this.text(header.value, 1000) } : header)),
          ...(step.body === undefined ? {} : { body: this.resolve(step.body) }),
          timeoutMs: step.timeoutMs,
        };
      case "delay":
        this.wait(stepId, "delay", step.seconds, step.next);
        return undefined;
      case "wait":
        this.wait(stepId, "wait", step.seconds, step.next);
        return undefined;
      case "goto":
        this.goto(stepId, step);
        return undefined;
      case "handoff":
        if (step.message) this.send({ type: "text", body: this.text(step.message, LIMITS.text) });
        this.wait(stepId, "handoff", step.timeoutSeconds, step.next);
        state.pausedUntil = state.timer?.dueAt ?? this.now;
        this.effects.push({ type: "pause", until: state.pausedUntil, step: stepId });
        this.emit("handoff.requested", { step: stepId });
        return undefined;
      case "end":
        if (step.message) this.send({ type: "text", body: this.text(step.message, LIMITS.text) });
        this.endConversation("end");
        return undefined;
    }
  }

  /** The result of an action or http call: store it and take `next`, or record the error and take `onError`. */
  settle(call: Call, result: CallResult): void {
    const state = this.state;
    const step = this.compiled?.flow.document.steps[call.step];
    if (!state || !step || (step.kind !== "action" && step.kind !== "http")) {
      this.fail("step_missing", call.step);
      return;
    }
    if (!result.ok) {
      state.lastError = { code: result.code.slice(0, 64), message: result.message.slice(0, 300) };
      if (step.kind === "http" && step.response?.statusVariable && result.status !== undefined) state.vars[step.response.statusVariable] = result.status;
      this.cursor = { step: step.onError };
      return;
    }
    state.lastError = null;
    if (step.kind === "action") {
      if (step.resultVariable) state.vars[step.resultVariable] = toJson(result.value);
    } else {
      if (step.response?.statusVariable) state.vars[step.response.statusVariable] = result.status ?? 200;
      for (const mapping of step.response?.map ?? []) state.vars[mapping.variable] = toJson(readPointer(result.value, mapping.pointer) ?? null);
    }
    this.cursor = { step: step.next };
  }

  // ---- steps --------------------------------------------------------------------------------

  private atInputStep(stepId: string, step: StepOf<"buttons"> | StepOf<"list"> | StepOf<"question">, input: MessageInput | undefined): void {
    const state = this.state;
    if (!state) return;
    if (!input) {
      this.cancelTimer();
      state.step = stepId;
      state.retries = 0;
      this.ask(step, step.text);
      return;
    }
    if (step.kind === "question") {
      const answer = checkAnswer(this.compilation(), stepId, step, input);
      if (answer.valid) {
        state.vars[step.variable] = answer.value;
        state.retries = 0;
        this.cursor = { step: step.next };
        return;
      }
    } else {
      const options = optionsOf(step);
      const chosen = chooseOption(options, input, () => this.compilation().optionMatcher(stepId, options.map((option) => ({ value: option.title, ...(option.synonyms ? { synonyms: option.synonyms } : {}) }))));
      if (chosen) {
        state.retries = 0;
        this.cursor = { step: chosen.next };
        return;
      }
    }
    // Not an answer this step can use: re-ask up to maxRetries times, then onFail.
    state.step = stepId;
    state.retries += 1;
    const maxRetries = step.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (state.retries > maxRetries) {
      if (step.onFail !== undefined) {
        state.retries = 0;
        this.cursor = { step: step.onFail };
      }
      // Without onFail the step keeps waiting, silently.
      return;
    }
    this.ask(step, step.retryMessage ?? step.text);
  }

  private ask(step: StepOf<"buttons"> | StepOf<"list"> | StepOf<"question">, text: string): void {
    if (step.kind === "question") {
      this.send({ type: "text", body: this.text(text, LIMITS.text) });
      return;
    }
    const framing = { body: this.text(text, LIMITS.interactiveBody), ...(step.header ? { header: step.header } : {}), ...(step.footer ? { footer: step.footer } : {}) };
    if (step.kind === "buttons") {
      this.send({ type: "buttons", ...framing, buttons: step.buttons.map(({ id, title }) => ({ id, title })) });
    } else {
      this.send({
        type: "list",
        ...framing,
        button: step.buttonLabel,
        sections: step.sections.map((section) => ({
          ...(section.title ? { title: section.title } : {}),
          rows: section.rows.map(({ id, title, description }) => ({ id, title, ...(description ? { description } : {}) })),
        })),
      });
    }
  }

  private sendMedia(stepId: string, step: StepOf<"media">): void {
    const url = this.text(step.url, LIMITS.url);
    if (!url.toLowerCase().startsWith("https://")) {
      this.emit("error", { code: "media_url_not_https", step: stepId });
      return;
    }
    this.send({
      type: "media",
      kind: step.mediaType,
      url,
      ...(step.caption ? { caption: this.text(step.caption, LIMITS.caption) } : {}),
      ...(step.filename ? { filename: step.filename } : {}),
    });
  }

  private decide(stepId: string, step: StepOf<"decision">): string {
    const view = this.view();
    for (const condition of step.conditions) {
      const result = evaluateLogic(condition.when, view);
      if (!result.ok) {
        this.emit("error", { code: "logic_failed", step: stepId });
        continue;
      }
      if (truthy(result.value)) return condition.next;
    }
    return step.default;
  }

  private assign(stepId: string, step: StepOf<"set">): void {
    const state = this.state;
    if (!state) return;
    for (const assignment of step.assignments) {
      if ("expression" in assignment) {
        const result = evaluateLogic(assignment.expression, this.view());
        if (!result.ok) this.emit("error", { code: "logic_failed", step: stepId });
        state.vars[assignment.variable] = result.ok ? toJson(result.value ?? null) : null;
      } else {
        state.vars[assignment.variable] = this.resolve(assignment.value);
      }
    }
  }

  private goto(stepId: string, step: StepOf<"goto">): void {
    if (step.step !== undefined) {
      this.cursor = { step: step.step };
      return;
    }
    const target = step.flow === undefined ? undefined : this.request.resolveFlow(step.flow);
    if (!target) {
      this.fail("flow_missing", stepId);
      return;
    }
    this.cancelTimer();
    this.enterFlow(target);
    this.cursor = { step: target.document.start };
  }

  /** Waits for a timer: a wait (unless the contact writes first), a delay, a hand-off's timeout. */
  private wait(stepId: string, purpose: TimerPurpose, seconds: number, next: string): void {
    const state = this.state;
    if (!state) return;
    this.cancelTimer();
    state.seq += 1;
    const timer: StateTimer = { id: `${state.id}:t${state.seq}`, purpose, dueAt: this.now + Math.max(Math.round(seconds * 1000 * (this.request.context.timeScale ?? 1)), 1), next };
    state.timer = timer;
    state.step = stepId;
    state.retries = 0;
    this.effects.push({ type: "schedule_timer", timer: { id: timer.id, purpose, dueAt: timer.dueAt } });
  }

  private cancelTimer(): void {
    const state = this.state;
    if (!state?.timer) return;
    this.effects.push({ type: "cancel_timer", timerId: state.timer.id });
    state.timer = null;
  }

  private endConversation(reason: string): void {
    const state = this.state;
    if (!state) return;
    this.cancelTimer();
    if (state.pausedUntil !== null) {
      state.pausedUntil = null;
      this.effects.push({ type: "resume" });
    }
    state.step = null;
    state.retries = 0;
    state.pending = [];
    this.cursor = null;
    this.queue = [];
    this.emit("conversation.ended", { reason });
  }

  /** The flow cannot go on (a step or flow that is gone, a runaway goto chain): end the conversation, say why. */
  private fail(code: string, step: string | null): void {
    this.emit("error", { code, step });
    this.endConversation(code);
  }

  // ---- helpers ------------------------------------------------------------------------------

  emit(name: EngineEventName, attributes: Record<string, string | number | boolean | null>): void {
    this.effects.push({ type: "event", name, attributes: { ...attributes, flow: this.state?.flow.slug ?? null } });
  }

  private send(content: OutboundContent): void {
    // A template whose variables were all empty: WhatsApp refuses an empty message, so nothing is sent.
    if (content.type !== "media" && content.body.trim() === "") {
      this.emit("error", { code: "empty_message", step: this.steps.at(-1) ?? null });
      return;
    }
    this.effects.push({ type: "send", content });
  }

  private compilation(): CompiledFlow {
    if (!this.compiled) throw new Error("no flow is running");
    return this.compiled;
  }

  private view() {
    const state = this.state;
    if (!state) return {};
    this.facts ??= turnFacts(this.request.context);
    return variablesView(state, this.request.context, this.input, this.facts);
  }

  private text(template: string, max: number): string {
    const rendered = this.compilation().render(template, this.view());
    return [...rendered].length > max ? [...rendered].slice(0, max - 1).join("") + "…" : rendered;
  }

  /** A JSON value with its dynamic parts filled in: strings are templates, {"var": "x"} is x's value. */
  private resolve(value: JsonValue): JsonValue {
    if (typeof value === "string") return value.includes("{{") ? this.compilation().render(value, this.view()) : value;
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value !== null && typeof value === "object") {
      const keys = Object.keys(value);
      const reference = value["var"];
      if (keys.length === 1 && typeof reference === "string") return toJson(readPath(this.view(), reference) ?? null);
      return this.resolveRecord(value);
    }
    return value;
  }

  private resolveRecord(record: Record<string, JsonValue>): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(record)) out[key] = this.resolve(item);
    return out;
  }
}

function optionsOf(step: StepOf<"buttons"> | StepOf<"list">): { id: string; title: string; synonyms?: string[]; next: string }[] {
  return step.kind === "buttons" ? step.buttons : step.sections.flatMap((section) => section.rows);
}

/**
 * Whether a waiting step takes whatever the contact writes (a text question, a wait): there a
 * global keyword intent fires only when it is the whole message ("menú", "0"), never for words
 * inside an answer — a problem report naming a product, an address on "Anillo Periférico".
 */
function takesFreeText(step: Step): boolean {
  return (step.kind === "question" && step.validation.type === "text") || step.kind === "wait";
}

/**
 * The trigger a message fires: an exact keyword beats a keyword with a typo; otherwise the first
 * that matches, in order. `freeText`: keyword triggers matching words inside the message are skipped.
 */
function matchTrigger(triggers: readonly CompiledTrigger[], input: MessageInput, onlyGlobal: boolean, freeText = false): CompiledTrigger | undefined {
  let typo: CompiledTrigger | undefined;
  for (const candidate of triggers) {
    if (onlyGlobal && !candidate.global) continue;
    const trigger = candidate.trigger;
    switch (trigger.type) {
      case "keyword": {
        if (freeText && trigger.match === "word") break;
        const match = candidate.keywords?.match(input.text);
        if (match?.match === "exact") return candidate;
        if (match) typo ??= candidate;
        break;
      }
      case "regex":
        if (input.text !== "" && candidate.regex?.test(input.text)) return typo ?? candidate;
        break;
      case "media":
        if (input.kind === "media" && (trigger.mediaTypes === undefined || (input.mediaType !== undefined && trigger.mediaTypes.includes(input.mediaType)))) return typo ?? candidate;
        break;
      case "location":
        if (input.kind === "location") return typo ?? candidate;
        break;
      case "payload":
        if (input.payload !== undefined && trigger.payloads.includes(input.payload)) return candidate;
        break;
      case "first_contact":
      case "timer":
        break;
    }
  }
  return typo;
}

/** RFC 6901: the value at a JSON pointer ("" is the whole document). */
export function readPointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(segment)) return undefined;
      node = node[Number(segment)];
    } else if (node !== null && typeof node === "object" && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return node;
}

export type { FlowDocument, Step, EngineInput };
