// Scripted failures of Evolution sends: "the next N sends (of one instance and/or to one number,
// or any) answer status X with Evolution's error body", or "are carried out, then the connection
// drops before the answer". Queued and counted like every fake's faults (shared FaultQueue).
import { digitsOf } from "../meta/wamid.js";
import { FaultQueue } from "../shared/fault-queue.js";

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

export class EvolutionFaults extends FaultQueue<EvolutionFault> {
  add(spec: EvolutionFaultSpec): EvolutionFault {
    const target = {
      ...(spec.instance === undefined ? {} : { instance: spec.instance }),
      ...(spec.number === undefined ? {} : { number: spec.number }),
      remaining: spec.count ?? 1,
    };
    return this.enqueue("status" in spec
      ? { ...target, kind: "http_error", status: spec.status, ...(spec.message === undefined ? {} : { message: spec.message }) }
      : { ...target, kind: "drop_connection" });
  }

  /** Consumes one failure for a send of `instance` to `number`, oldest matching fault first. */
  take(instance: string, number: string): EvolutionFault | undefined {
    const recipient = digitsOf(number);
    return this.takeFirst((f) => (f.instance === undefined || f.instance === instance) && (f.number === undefined || digitsOf(f.number) === recipient));
  }
}
