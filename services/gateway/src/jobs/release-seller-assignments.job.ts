// Releases seller assignments nobody released, after the tenant's assignmentTimeoutMinutes, every
// `intervalMs`, and emits seller.released for each. Every replica runs it: each
// batch is one UPDATE … RETURNING that skips rows another replica holds, so an assignment is
// released and reported once.
import type { Logger } from "@fleet/service-kit";
import type { AssignmentTimeoutsRepository } from "../modules/sellers/assignment-timeouts.repository.js";
import type { SellerEvents } from "../modules/sellers/seller-events.js";
import { startPeriodicJob, type PeriodicJob } from "./periodic-job.js";

const BATCH = 500;

/** runOnce: one pass releasing every assignment due at now(); the number released. */
export type ReleaseSellerAssignmentsJob = PeriodicJob;

export function startReleaseSellerAssignmentsJob({
  assignments,
  events,
  intervalMs,
  logger,
  now = () => new Date(),
}: {
  assignments: Pick<AssignmentTimeoutsRepository, "releaseTimedOut">;
  events: Pick<SellerEvents, "released">;
  intervalMs: number;
  logger: Pick<Logger, "info" | "warn">;
  now?: () => Date;
}): ReleaseSellerAssignmentsJob {
  return startPeriodicJob({
    intervalMs,
    logger,
    doneMessage: "timed-out seller assignments released",
    failedMessage: "timed-out seller assignments not released; next pass later",
    async pass() {
      let total = 0;
      for (;;) {
        const released = await assignments.releaseTimedOut(now(), BATCH);
        for (const assignment of released) await events.released(assignment.tenantId, assignment);
        total += released.length;
        if (released.length < BATCH) return total;
      }
    },
  });
}
