// Folds one event into its tenant's live rollups and says what became of it, for the consumer's
// ack and the `analytics_rollup_events_total` counter. Every outcome is final: a Redis failure
// throws instead, so the entry stays pending and is delivered again.
import type { AnalyticsEvent } from "@fleet/contracts";
import type { Logger } from "@fleet/service-kit";
import { foldEvent } from "./fold-event.js";
import type { RollupsRepository } from "./rollups.repository.js";

/** folded: counted now. duplicate: counted before. ignored: a type the rollups do not count, or older than every bucket. */
export type FoldOutcome = "folded" | "duplicate" | "ignored";

export interface FoldIntoRollupsDeps {
  repository: RollupsRepository;
  logger: Logger;
}

export function createFoldIntoRollups({ repository, logger }: FoldIntoRollupsDeps): (event: AnalyticsEvent) => Promise<FoldOutcome> {
  return async (event) => {
    const fold = foldEvent(event);
    if (!fold) return "ignored";
    const result = await repository.apply(fold);
    if (result.outcome === "expired") return "ignored";
    if (result.outcome === "folded" && result.failedIncrements > 0) {
      // Counted, minus what Redis refused (e.g. a counter past 2^63): retrying would count the rest twice.
      logger.warn("rollup counters refused part of an event", { tenantId: event.tenantId, eventId: event.id, type: event.type, failedIncrements: result.failedIncrements });
    }
    return result.outcome;
  };
}
