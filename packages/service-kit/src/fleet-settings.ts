// Settings every replica of several services must agree on (e.g. the number
// of inbound partitions, which both the writers and the readers hash with).
// The first process to start records its value; a process configured
// differently finds out at once instead of silently breaking the others.
import type { RedisClient } from "./redis.js";

export type SettingAgreement = { agreed: true } | { agreed: false; recorded: string };

/** Records `value` under `key` unless a value is recorded already; tells whether the two agree. */
export async function agreeOnFleetSetting(redis: RedisClient, key: string, value: string | number): Promise<SettingAgreement> {
  const wanted = String(value);
  await redis.set(key, wanted, "NX");
  const recorded = await redis.get(key);
  return recorded === null || recorded === wanted ? { agreed: true } : { agreed: false, recorded };
}
