// The step graph of a flow: its edges (with the variables each edge sets), the loops that never
// wait for the contact, and which variables may be set on arrival at each step.
import type { FlowDocument, Step, StepKind } from "./flow.schema.js";

export interface Edge {
  from: string;
  to: string;
  /** JSON pointer of the field naming the target, relative to the step ("/next", "/buttons/0/next"). */
  field: string;
  /** Variables set when the conversation takes this edge. */
  sets: string[];
}

/** Steps that hand the turn to the contact (or to time, or to staff): a loop through one of them is a conversation, not a spin. */
export const WAITING_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(["question", "buttons", "list", "wait", "handoff", "end"]);
/** Steps from which global intents apply: the conversation waits there for a message (not in a handoff: the bot is paused). */
export const INPUT_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(["question", "buttons", "list", "wait"]);

export function stepEdges(from: string, step: Step): Edge[] {
  const edge = (to: string | undefined, field: string, sets: string[] = []): Edge[] => (to === undefined ? [] : [{ from, to, field, sets }]);
  switch (step.kind) {
    case "message":
    case "media":
    case "delay":
    case "handoff":
      return edge(step.next, "/next");
    case "set":
      return edge(step.next, "/next", step.assignments.map((a) => a.variable));
    case "buttons":
      return [...step.buttons.flatMap((b, i) => edge(b.next, `/buttons/${i}/next`)), ...edge(step.onFail, "/onFail")];
    case "list":
      return [
        ...step.sections.flatMap((section, s) => section.rows.flatMap((row, r) => edge(row.next, `/sections/${s}/rows/${r}/next`))),
        ...edge(step.onFail, "/onFail"),
      ];
    case "question":
      return [...edge(step.next, "/next", [step.variable]), ...edge(step.onFail, "/onFail")];
    case "decision":
      return [...step.conditions.flatMap((c, i) => edge(c.next, `/conditions/${i}/next`)), ...edge(step.default, "/default")];
    case "action":
      return [...edge(step.next, "/next", step.resultVariable === undefined ? [] : [step.resultVariable]), ...edge(step.onError, "/onError")];
    case "http": {
      const sets = [...(step.response?.statusVariable === undefined ? [] : [step.response.statusVariable]), ...(step.response?.map ?? []).map((m) => m.variable)];
      return [...edge(step.next, "/next", sets), ...edge(step.onError, "/onError")];
    }
    case "wait":
      return [...edge(step.next, "/next"), ...edge(step.onReply, "/onReply")];
    case "goto":
      return edge(step.step, "/step");
    case "end":
      return [];
  }
}

export function allEdges(flow: FlowDocument): Edge[] {
  return Object.entries(flow.steps).flatMap(([id, step]) => stepEdges(id, step));
}

/**
 * Loops made only of steps that do not wait (message, set, decision, action, http, delay, goto…):
 * each is a strongly connected component of the graph restricted to those steps (Tarjan), or a
 * step that targets itself. Returns each loop's steps in a stable order, and the edge that closes it.
 */
export function cyclesWithoutWait(flow: FlowDocument, edges: readonly Edge[]): { steps: string[]; edge: Edge }[] {
  const spinning = (id: string) => {
    const step = flow.steps[id];
    return step !== undefined && !WAITING_KINDS.has(step.kind);
  };
  const successors = new Map<string, Edge[]>();
  for (const e of edges) {
    if (!spinning(e.from) || !spinning(e.to)) continue;
    successors.set(e.from, [...(successors.get(e.from) ?? []), e]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (id: string): void => {
    index.set(id, counter);
    low.set(id, counter);
    counter += 1;
    stack.push(id);
    onStack.add(id);
    for (const e of successors.get(id) ?? []) {
      if (!index.has(e.to)) {
        visit(e.to);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(e.to) ?? 0));
      } else if (onStack.has(e.to)) {
        low.set(id, Math.min(low.get(id) ?? 0, index.get(e.to) ?? 0));
      }
    }
    if (low.get(id) === index.get(id)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      components.push(component);
    }
  };
  // Recursion depth is bounded by the number of steps (at most LIMITS.steps).
  for (const id of Object.keys(flow.steps)) if (spinning(id) && !index.has(id)) visit(id);

  const loops: { steps: string[]; edge: Edge }[] = [];
  for (const component of components) {
    const members = new Set(component);
    const closing = component.flatMap((id) => successors.get(id) ?? []).find((e) => members.has(e.to) && (component.length > 1 || e.to === e.from));
    if (closing) loops.push({ steps: component.reverse(), edge: closing });
  }
  return loops;
}

export interface Entry {
  step: string;
  /** A global intent keeps the variables the conversation had at the step it interrupted. */
  global: boolean;
}

/**
 * For each reachable step, the flow variables that are set on arrival along SOME path from an entry
 * (a may-analysis: union over predecessors, iterated to a fixed point). A step no entry reaches is absent.
 */
export function variablesOnArrival(flow: FlowDocument, edges: readonly Edge[], entries: readonly Entry[]): Map<string, Set<string>> {
  const arrival = new Map<string, Set<string>>();
  const outgoing = new Map<string, Edge[]>();
  for (const e of edges) outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e]);
  const globalTargets = entries.filter((e) => e.global).map((e) => e.step);

  const queue: string[] = [];
  const merge = (step: string, vars: Iterable<string>): void => {
    if (flow.steps[step] === undefined) return;
    let known = arrival.get(step);
    const before = known?.size ?? -1;
    if (!known) {
      known = new Set();
      arrival.set(step, known);
    }
    for (const v of vars) known.add(v);
    if (known.size !== before && !queue.includes(step)) queue.push(step);
  };
  for (const entry of entries) if (!entry.global) merge(entry.step, []);

  for (let step = queue.shift(); step !== undefined; step = queue.shift()) {
    const here = arrival.get(step) ?? new Set<string>();
    for (const e of outgoing.get(step) ?? []) merge(e.to, [...here, ...e.sets]);
    const kind = flow.steps[step]?.kind;
    if (kind !== undefined && INPUT_KINDS.has(kind)) for (const target of globalTargets) merge(target, here);
  }
  return arrival;
}
