// Corrects the live rollups from the logs of record: every interval, one replica (a lease per
// interval: whichever replica ticks first in it) recomputes the last hours from MongoDB with the
// rollup pipelines and makes Redis's hour buckets, bot sets and day buckets hold the same numbers.
// This catches what the live fold cannot know (an order folded before its conversation, a conversion
// credited to a conversation whose successor arrived late) and anything lost in Redis.
//
// Only hours that ended `settleMs` ago are recomputed: the events of the current hour are still being
// folded and stored. A run is skipped while events wait to be stored or folded (a MongoDB outage, a
// lagging consumer): MongoDB would then miss events the rollups have, or the reverse, and the
// "correction" would be wrong until the next run. The correction is atomic per tenant and day and
// sets each field to its target. What remains: a late event folded live between the MongoDB read and
// the correction of its hour is overwritten (or, stored but not yet folded, counted twice) until the
// next run, which sees it on both sides; its seen-mark keeps it from counting again.
import type { Counter } from "prom-client";
import type { LeaseRepository } from "../repositories/lease.repository.js";
import type { RollupsRecomputeRepository, TenantHourTarget } from "../rollups/rollups-recompute.repository.js";
import type { CorrectionCounts, DayCorrection, RollupsRepository } from "../rollups/rollups.repository.js";

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

export interface ReconcileRollupsDeps {
  leases: LeaseRepository;
  recompute: RollupsRecomputeRepository;
  rollups: Pick<RollupsRepository, "correct">;
  /** Events the storage and rollups consumers have not handled yet (unread + unacknowledged, both groups). */
  pendingEvents: () => Promise<number>;
  corrections: Counter<"bucket">;
  /** Names this replica in the lease. */
  holder: string;
  /** One run per interval across replicas, in milliseconds. */
  intervalMs: number;
  /** Hours recomputed back from the last settled hour. */
  hours: number;
  /** How long after its end an hour is first recomputed, in milliseconds. */
  settleMs: number;
  /** Days MongoDB keeps events (its TTL index): a day is recomputed whole only inside them. */
  retentionDays: number;
  /** Above this many pending events the run is skipped. */
  maxPendingEvents: number;
  now?: () => Date;
}

export type ReconcileRollupsResult =
  | { reconciled: true; from: string; to: string; hours: number; corrections: CorrectionCounts }
  | { reconciled: false; reason: "another replica reconciles this interval" | "events wait to be stored or folded"; pendingEvents?: number };

/** The recomputed window: whole hours [from, to); starts at its first day's midnight when that day is inside MongoDB's retention. */
export function reconcileWindow(now: number, { hours, settleMs, retentionDays }: Pick<ReconcileRollupsDeps, "hours" | "settleMs" | "retentionDays">): { from: number; to: number } {
  const to = Math.floor((now - settleMs) / HOUR_MS) * HOUR_MS;
  const from = to - hours * HOUR_MS;
  const firstDay = Math.floor(from / DAY_MS) * DAY_MS;
  return { from: firstDay >= now - retentionDays * DAY_MS ? firstDay : from, to };
}

/** The recomputed hours grouped into one correction per tenant and day. */
export function dayCorrections(targets: readonly TenantHourTarget[], from: number, to: number): DayCorrection[] {
  const days = new Map<string, DayCorrection>();
  for (const { tenantId, hour, fields, bots } of targets) {
    const day = hour.slice(0, 8);
    const key = `${tenantId}\u0000${day}`;
    let correction = days.get(key);
    if (!correction) {
      const dayStart = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
      correction = { tenantId, day, hours: [], wholeDay: dayStart >= from && dayStart + DAY_MS <= to };
      days.set(key, correction);
    }
    correction.hours.push({ hour, fields, bots });
  }
  return [...days.values()];
}

export function createReconcileRollups(deps: ReconcileRollupsDeps): () => Promise<ReconcileRollupsResult> {
  const { leases, recompute, rollups, corrections, holder, intervalMs, now = () => new Date() } = deps;
  return async () => {
    const pendingEvents = await deps.pendingEvents();
    if (pendingEvents > deps.maxPendingEvents) return { reconciled: false, reason: "events wait to be stored or folded", pendingEvents };
    const at = now().getTime();
    // One lease per interval: a replica whose timer drifted cannot run twice in one, nor skip one for the others.
    const slot = Math.floor(at / intervalMs);
    if (!(await leases.tryAcquire(`rollups-reconcile:${slot}`, holder, intervalMs * 2))) return { reconciled: false, reason: "another replica reconciles this interval" };
    const { from, to } = reconcileWindow(at, deps);
    const targets = await recompute.recompute(new Date(from), new Date(to));
    const total: CorrectionCounts = { hours: 0, bots: 0, days: 0 };
    for (const correction of dayCorrections(targets, from, to)) {
      const changed = await rollups.correct(correction);
      total.hours += changed.hours;
      total.bots += changed.bots;
      total.days += changed.days;
    }
    corrections.inc({ bucket: "hour" }, total.hours);
    corrections.inc({ bucket: "bots" }, total.bots);
    corrections.inc({ bucket: "day" }, total.days);
    return { reconciled: true, from: new Date(from).toISOString(), to: new Date(to).toISOString(), hours: targets.length, corrections: total };
  };
}
