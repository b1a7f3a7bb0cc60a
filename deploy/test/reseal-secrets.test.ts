// The key-rotation command as an operator runs it (docs/operations.md, "Rotating keys"): against a
// real database holding secrets sealed with the old key, `node scripts/reseal-secrets.mjs` with the
// new key current and the old one previous re-seals every table, then finds nothing left to do; a
// missing key is refused by name before anything is touched.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import { createPostgresPool } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, type TestDatabase } from "@fleet/testing";
import { createBotsRepository, createProviderSecretBox } from "../../services/whatsapp-adapter/src/repositories/bots.repository.js";
import { createTenantHttpSettingsRepository, createTenantSecretBox } from "../../services/bot-orchestrator/src/repositories/tenant-http-settings.repository.js";
import { repoPath } from "./support.js";

const { logger } = memoryLogger("reseal-test", "error");
const OLD = { id: "1", material: randomBytes(32).toString("hex") };
const NEW = { id: "2", material: randomBytes(32).toString("hex") };
let database: TestDatabase;
let adapterPool: ReturnType<typeof createPostgresPool>;
let orchestratorPool: ReturnType<typeof createPostgresPool>;

function reseal(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [repoPath("scripts/reseal-secrets.mjs")], { env: { PATH: process.env.PATH ?? "", ...env }, cwd: repoPath() }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  adapterPool = createPostgresPool({ url: database.url, schema: "adapter", logger });
  orchestratorPool = createPostgresPool({ url: database.url, schema: "orchestrator", logger });
  const bots = createBotsRepository(adapterPool, createProviderSecretBox({ keyMaterial: OLD.material, keyId: OLD.id }), logger);
  await bots.save({ tenantId: randomUUID(), displayName: "Shop", providers: [{ kind: "meta", settings: { phone_number_id: "1234567" }, secrets: { access_token: "token" }, routingKey: null }] });
  const settings = createTenantHttpSettingsRepository(orchestratorPool, createTenantSecretBox({ keyMaterial: OLD.material, keyId: OLD.id }), logger);
  await settings.putSecret(randomUUID(), "CRM_TOKEN", "crm");
});

afterAll(async () => {
  await Promise.all([adapterPool?.end(), orchestratorPool?.end()]);
  await database?.drop();
});

describe("scripts/reseal-secrets.mjs", () => {
  it("re-seals every table with the new key, then has nothing left to do", async () => {
    const env = { DATABASE_URL: database.url, SECRETS_ENCRYPTION_KEY: NEW.material, SECRETS_ENCRYPTION_KEY_ID: NEW.id, SECRETS_ENCRYPTION_PREVIOUS_KEYS: `${OLD.id}:${OLD.material}` };
    const first = await reseal(env);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toContain("adapter.bot_providers: re-sealed 1, already current 0, unreadable 0");
    expect(first.stdout).toContain("adapter.session_creds: re-sealed 0");
    expect(first.stdout).toContain("orchestrator.tenant_http_secrets: re-sealed 1, already current 0, unreadable 0");
    const second = await reseal(env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("adapter.bot_providers: re-sealed 0, already current 1, unreadable 0");
    expect(second.stdout).toContain("orchestrator.tenant_http_secrets: re-sealed 0, already current 1, unreadable 0");
    expect(first.stdout + second.stdout).not.toContain(NEW.material);
  });

  it("exits 3 naming the values no configured key opens (the old key was dropped too early)", async () => {
    const other = randomBytes(32).toString("hex");
    const result = await reseal({ DATABASE_URL: database.url, SECRETS_ENCRYPTION_KEY: other, SECRETS_ENCRYPTION_KEY_ID: "3" });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain("adapter.bot_providers: re-sealed 0, already current 0, unreadable 1");
    expect(result.stdout).toMatch(/2 value\(s\) open with no configured key/);
  });

  it("refuses to run without the current key, naming it", async () => {
    const result = await reseal({ DATABASE_URL: database.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("SECRETS_ENCRYPTION_KEY");
  });
});
