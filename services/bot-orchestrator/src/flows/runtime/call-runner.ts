// Runs what the engine asks for in the middle of a turn: a named action from the registry (input
// checked against its schema, a deadline, errors turned into a result the flow branches on) or an
// http step (through the http call runner: allowlist, secrets, private addresses refused). Nothing
// here throws: a failing action follows its step's onError, it never crashes the conversation.
import type { JsonValue } from "../language/index.js";
import type { ActionDefinition } from "../language/index.js";
import type { Call, CallResult } from "../engine/effects.js";
import type { HttpCallRunner } from "./http-call.js";
import type { Logger } from "@fleet/service-kit";
import { toAppError } from "@fleet/service-kit";

export interface ActionContext {
  tenantId: string;
  botId: string;
  contact: string;
  /** Stable for this step of this inbound entry: an action with side effects dedupes on it. */
  idempotencyKey: string;
  /** Aborted when the step's deadline passes. */
  signal: AbortSignal;
}

/** An action the service provides: its declared input (checked before it runs) and what it does. */
export interface RunnableAction extends ActionDefinition {
  run(input: unknown, context: ActionContext): Promise<JsonValue>;
}

export type RunnableActions = Readonly<Record<string, RunnableAction>>;

export interface CallRunnerDeps {
  actions: RunnableActions;
  http: HttpCallRunner;
  logger: Logger;
  onCall?(kind: "action" | "http", name: string, outcome: string, seconds: number): void;
}

export type CallRunner = (call: Call, context: Omit<ActionContext, "signal">) => Promise<CallResult>;

class Deadline extends Error {}

export function createCallRunner({ actions, http, logger, onCall }: CallRunnerDeps): CallRunner {
  async function runAction(call: Extract<Call, { kind: "action" }>, context: Omit<ActionContext, "signal">): Promise<CallResult> {
    const action = Object.hasOwn(actions, call.action) ? actions[call.action] : undefined;
    if (!action) return { ok: false, code: "action_unknown", message: `unknown action ${call.action}` };
    const input = action.input.safeParse(call.input);
    if (!input.success) {
      const issue = input.error.issues[0];
      return { ok: false, code: "action_input_invalid", message: `${issue?.path.join(".") || "input"}: ${issue?.message ?? "invalid"}`.slice(0, 300) };
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Deadline());
      }, call.timeoutMs);
    });
    try {
      const value = await Promise.race([action.run(input.data, { ...context, signal: controller.signal }), deadline]);
      return { ok: true, value };
    } catch (error) {
      if (error instanceof Deadline) return { ok: false, code: "timeout", message: `the action did not answer within ${call.timeoutMs} ms` };
      const appError = toAppError(error);
      if (appError.code === "INTERNAL") logger.error("flow action failed", { action: call.action, botId: context.botId, error: error instanceof Error ? error.message : String(error) });
      // The code is stable and safe; the message of an unexpected error is not shown to anyone.
      return { ok: false, code: appError.code === "INTERNAL" ? "action_failed" : appError.code.toLowerCase(), message: appError.code === "INTERNAL" ? "the action failed" : appError.message.slice(0, 300) };
    } finally {
      clearTimeout(timer);
    }
  }

  return async (call, context) => {
    const started = performance.now();
    const result = call.kind === "action" ? await runAction(call, context) : await http(context.tenantId, call, context.idempotencyKey);
    onCall?.(call.kind, call.kind === "action" ? call.action : "http", result.ok ? "ok" : result.code, (performance.now() - started) / 1000);
    return result;
  };
}
