// Aggregation over `message_logs`: messages received and sent per tenant in a
// window ending now. Pure data, so the very same object runs on MongoDB in
// production and on mingo in tests.

/** One stage of an aggregation pipeline, as both the driver and mingo accept it. */
export type PipelineStage = Record<string, unknown>;

export interface TenantMessages {
  tenantId: string;
  messages: number;
  received: number;
  sent: number;
}

const HOUR_MS = 3_600_000;

/** Rows of {@link TenantMessages}, busiest tenant first (ties by tenantId); tenants without messages are absent. */
export function messagesPerTenantPipeline(now: Date, windowHours = 24): PipelineStage[] {
  if (!(windowHours > 0)) throw new RangeError(`windowHours must be positive, got ${windowHours}`);
  const since = new Date(now.getTime() - windowHours * HOUR_MS);
  const countOf = (type: string) => ({ $sum: { $cond: [{ $eq: ["$type", type] }, 1, 0] } });
  return [
    // (since, now]: an event stamped in the future (clock skew) waits for its window instead of inflating this one.
    { $match: { type: { $in: ["message.received", "message.sent"] }, occurredAt: { $gt: since, $lte: now } } },
    { $group: { _id: "$tenantId", received: countOf("message.received"), sent: countOf("message.sent") } },
    { $project: { _id: 0, tenantId: "$_id", messages: { $add: ["$received", "$sent"] }, received: 1, sent: 1 } },
    { $sort: { messages: -1, tenantId: 1 } },
  ];
}
