// After a SECRETS_ENCRYPTION_KEY rotation: every tenant http-step secret is sealed again with the
// current key, so the previous key can leave SECRETS_ENCRYPTION_PREVIOUS_KEYS. Run by
// scripts/reseal-secrets.mjs (docs/operations.md, "Rotating keys"); idempotent.
import { resealColumn, type ResealReport, type SecretKeyring } from "@fleet/service-kit";
import type pg from "pg";
import { createTenantSecretBox, secretContextOf } from "../repositories/tenant-http-settings.repository.js";

export async function resealSecrets(pool: pg.Pool, keys: SecretKeyring): Promise<ResealReport[]> {
  return [
    await resealColumn<{ tenant_id: string; name: string }>(pool, createTenantSecretBox(keys), {
      table: "tenant_http_secrets",
      keys: ["tenant_id", "name"],
      column: "sealed",
      context: (row) => secretContextOf(row.tenant_id, row.name),
    }),
  ];
}
