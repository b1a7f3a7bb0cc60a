// Releases seller assignments nobody released, after the tenant's assignmentTimeoutMinutes, every
// `intervalMs`, and emits seller.released for each. Every replica runs it: each
// batch is one UPDATE … RETURNING that skips rows another replica holds, so an assignment is
// released and reported once.
import type { Logger } from "@fleet/service-kit";
import type { AssignmentTimeoutsRepository } from "../modules/sellers/assignment-timeouts.repository.js";
import type { SellerEvents } from "../modules/sellers/seller-events.js";

const BATCH = 500;

export interface ReleaseSellerAssignmentsJob {
  /** One pass: releases every assignment due at now(); the number released. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

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
  let running: Promise<number> | null = null;

  async function pass(): Promise<number> {
    let total = 0;
    for (;;) {
      const released = await assignments.releaseTimedOut(now(), BATCH);
      for (const assignment of released) await events.released(assignment.tenantId, assignment);
      total += released.length;
      if (released.length < BATCH) return total;
    }
  }

  function runOnce(): Promise<number> {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    runOnce()
      .then((released) => {
        if (released > 0) logger.info("timed-out seller assignments released", { released });
      })
      .catch((error: unknown) => logger.warn("timed-out seller assignments not released; next pass later", { error: error instanceof Error ? error.message : String(error) }));
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
