// Scripted failures of Evolution sends: "the next N sends (of one instance and/or to one number,
// or any) answer status X with Evolution's error body", or "are carried out, then the connection
// drops before the answer". The targeting and counting are the Meta sandbox's FaultInjector
// (instance name in its phone-number slot, the status as the fault's code); this wrapper only
// speaks Evolution's vocabulary.
import { FaultInjector, type Fault } from "../meta/fault-injector.js";

export interface EvolutionFaultTarget {
  /** Only sends of this instance; any instance when absent. */
  instance?: string;
  /** Only sends to this number (matched on digits); any number when absent. */
  number?: string;
  /** How many sends fail; default 1. */
  count?: number;
}

export type EvolutionFaultSpec = EvolutionFaultTarget &
  (
    | {
        /** Answer with this status and Evolution's body for it (the default kind). */
        kind?: "http_error";
        status: number;
        /** Replaces the default message of the body (e.g. "Connection Closed" for 500). */
        message?: string;
      }
    | {
        /** The send is carried out and recorded, then the socket is destroyed without an answer. */
        kind: "drop_connection";
      }
  );

export type EvolutionFault = { instance?: string; number?: string; remaining: number } &
  ({ kind: "http_error"; status: number; message?: string } | { kind: "drop_connection" });

export class EvolutionFaults {
  readonly #faults = new FaultInjector();

  add(spec: EvolutionFaultSpec): EvolutionFault {
    const target = { phoneNumberId: spec.instance, to: spec.number, count: spec.count };
    const fault = "status" in spec
      ? this.#faults.add({ ...target, kind: "graph_error", code: spec.status, httpStatus: spec.status, details: spec.message })
      : this.#faults.add({ ...target, kind: "drop_connection" });
    return toEvolution(fault);
  }

  /** Consumes one failure for a send of `instance` to `number`, oldest matching fault first. */
  take(instance: string, number: string): EvolutionFault | undefined {
    const fault = this.#faults.take(instance, number);
    return fault === undefined ? undefined : toEvolution(fault);
  }

  list(): EvolutionFault[] {
    return this.#faults.list().map(toEvolution);
  }

  clear(): void {
    this.#faults.clear();
  }
}

function toEvolution(fault: Fault): EvolutionFault {
  const target = {
    ...(fault.phoneNumberId === undefined ? {} : { instance: fault.phoneNumberId }),
    ...(fault.to === undefined ? {} : { number: fault.to }),
    remaining: fault.remaining,
  };
  if (fault.kind === "graph_error") return { ...target, kind: "http_error", status: fault.httpStatus, ...(fault.details === undefined ? {} : { message: fault.details }) };
  return { ...target, kind: "drop_connection" };
}
