// An operator sets (or removes, with 0) a tenant's outbound quota. The other
// replicas see it once their cached copy expires (QUOTA_CACHE_TTL_MS).
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import type { OutboundQuotasRepository } from "../repositories/outbound-quotas.repository.js";

const Input = z.object({ tenantId: z.uuid("tenant_id must be a UUID"), messagesPerMinute: z.number().int().min(0, "messages_per_minute must be 0 (none) or more").max(1_000_000) });

export function createSetOutboundQuota({ quotas }: { quotas: Pick<OutboundQuotasRepository, "set"> }) {
  return async function setOutboundQuota(input: { tenantId: string; messagesPerMinute: number }): Promise<void> {
    const parsed = Input.safeParse(input);
    if (!parsed.success) throw new AppError("invalid_argument", "INVALID_QUOTA", "Invalid outbound quota", { details: parsed.error.issues.map((issue) => issue.message) });
    await quotas.set(parsed.data.tenantId, parsed.data.messagesPerMinute === 0 ? null : parsed.data.messagesPerMinute);
  };
}

export type SetOutboundQuota = ReturnType<typeof createSetOutboundQuota>;
