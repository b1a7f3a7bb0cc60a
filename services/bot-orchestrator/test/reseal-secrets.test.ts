// Rotating SECRETS_ENCRYPTION_KEY on a real database: secrets sealed with the old key keep working
// while it is a previous key, the re-seal rewrites every one of them with the new key (and is
// idempotent), after which the old key can go; a value no configured key opens is counted and left.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { createPostgresPool } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, type TestDatabase } from "@fleet/testing";
import { createTenantHttpSettingsRepository, createTenantSecretBox } from "../src/repositories/tenant-http-settings.repository.js";
import { resealSecrets } from "../src/use-cases/reseal-secrets.use-case.js";

let database: TestDatabase;
let pool: pg.Pool;
const { logger } = memoryLogger("bot-orchestrator", "error");
const OLD = { id: "2025", material: randomBytes(32).toString("hex") };
const NEW = { id: "2026", material: randomBytes(32).toString("hex") };

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPostgresPool({ url: database.url, schema: "orchestrator", logger });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe("re-sealing tenant secrets after a key rotation", () => {
  it("moves every secret to the new key without changing a value, so the old key can be dropped", async () => {
    const before = createTenantHttpSettingsRepository(pool, createTenantSecretBox({ keyMaterial: OLD.material, keyId: OLD.id }), logger);
    const tenants = [randomUUID(), randomUUID()];
    for (const [index, tenantId] of tenants.entries()) {
      await before.putSecret(tenantId, "CRM_TOKEN", `token-${index}`);
      await before.putSecret(tenantId, "ERP_KEY", `erp-${index}`);
    }
    // A value sealed with a key nobody has any more.
    const lost = createTenantHttpSettingsRepository(pool, createTenantSecretBox(randomBytes(32).toString("hex")), logger);
    await lost.putSecret(tenants[0] ?? "", "LOST", "gone");

    const rotated = { keyMaterial: NEW.material, keyId: NEW.id, previousKeys: [OLD] };
    const during = createTenantHttpSettingsRepository(pool, createTenantSecretBox(rotated), logger);
    expect(await during.resolveSecrets(tenants[1] ?? "", ["CRM_TOKEN", "ERP_KEY"])).toEqual({ CRM_TOKEN: "token-1", ERP_KEY: "erp-1" });

    expect(await resealSecrets(pool, rotated)).toEqual([{ table: "tenant_http_secrets", resealed: 4, alreadyCurrent: 0, unreadable: 1 }]);
    expect(await resealSecrets(pool, rotated)).toEqual([{ table: "tenant_http_secrets", resealed: 0, alreadyCurrent: 4, unreadable: 1 }]);

    const after = createTenantHttpSettingsRepository(pool, createTenantSecretBox({ keyMaterial: NEW.material, keyId: NEW.id }), logger);
    for (const [index, tenantId] of tenants.entries()) {
      expect(await after.resolveSecrets(tenantId, ["CRM_TOKEN", "ERP_KEY"])).toEqual({ CRM_TOKEN: `token-${index}`, ERP_KEY: `erp-${index}` });
    }
  });
});
