// Rotating SECRETS_ENCRYPTION_KEY in the adapter on a real database: provider credentials (also
// those sealed before they were bound to their bot and provider) and linked-session state keep
// opening while the old key is a previous key; the re-seal moves every value to the new key and
// binds the old credentials, after which the old key can go. Credentials copied to another bot's
// row do not open there.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { initAuthCreds } from "@whiskeysockets/baileys";
import { createPostgresPool, type SecretKeyring } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, type TestDatabase } from "@fleet/testing";
import { createBotsRepository, createProviderSecretBox } from "../src/repositories/bots.repository.js";
import { createBaileysAuthRepository, createSessionSecretBox } from "../src/sessions/baileys/baileys-auth.repository.js";
import { resealSecrets } from "../src/use-cases/reseal-secrets.use-case.js";

const { logger } = memoryLogger("whatsapp-adapter", "error");
const OLD = { id: "2025", material: randomBytes(32).toString("hex") };
const NEW = { id: "2026", material: randomBytes(32).toString("hex") };
const before: SecretKeyring = { keyMaterial: OLD.material, keyId: OLD.id };
const rotated: SecretKeyring = { keyMaterial: NEW.material, keyId: NEW.id, previousKeys: [OLD] };
const after: SecretKeyring = { keyMaterial: NEW.material, keyId: NEW.id };
let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPostgresPool({ url: database.url, schema: "adapter", logger });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const metaProvider = (accessToken: string) => ({ kind: "meta" as const, settings: { phone_number_id: String(100_000 + Math.floor(Math.random() * 1e9)) }, secrets: { access_token: accessToken }, routingKey: null });

describe("provider credentials", () => {
  it("are bound to their bot: a sealed value copied to another bot's row reads as missing there", async () => {
    const bots = createBotsRepository(pool, createProviderSecretBox(before), logger);
    const a = await bots.save({ tenantId: randomUUID(), displayName: "A", providers: [metaProvider("token-a")] });
    const b = await bots.save({ tenantId: randomUUID(), displayName: "B", providers: [metaProvider("token-b")] });
    await pool.query("UPDATE bot_providers SET secrets = (SELECT secrets FROM bot_providers WHERE bot_id = $1) WHERE bot_id = $2", [a.id, b.id]);
    expect((await bots.find(a.tenantId, a.id))?.providers[0]?.secrets).toEqual({ access_token: "token-a" });
    expect((await bots.find(b.tenantId, b.id))?.providers[0]?.secrets).toEqual({});
  });
});

describe("re-sealing the adapter's secrets after a key rotation", () => {
  it("moves credentials and session state to the new key, binding credentials sealed before binding existed", async () => {
    const bots = createBotsRepository(pool, createProviderSecretBox(before), logger);
    const meta = await bots.save({ tenantId: randomUUID(), displayName: "Meta shop", providers: [metaProvider("token-meta")] });
    // A row as an adapter of the previous release sealed it: no id in the value, no binding.
    const legacy = await bots.save({ tenantId: randomUUID(), displayName: "Old shop", providers: [metaProvider("placeholder")] });
    const current = createProviderSecretBox(before).seal({ access_token: "token-legacy" });
    const legacySealed = Buffer.concat([Buffer.from([1]), current.subarray(2 + (current[1] ?? 0))]);
    await pool.query("UPDATE bot_providers SET secrets = $1 WHERE bot_id = $2", [legacySealed, legacy.id]);
    const linked = await bots.save({ tenantId: randomUUID(), displayName: "Linked shop", providers: [{ kind: "baileys", settings: {}, secrets: {}, routingKey: null }] });
    const sessions = createBaileysAuthRepository(pool, createSessionSecretBox(before), logger);
    const creds = initAuthCreds();
    const { state, saveCreds } = await sessions.load(linked.id);
    state.creds = creds;
    await saveCreds();
    await sessions.keyStore(linked.id).set({ "pre-key": { "1": { public: randomBytes(32), private: randomBytes(32) } }, session: { "5215512345678.0": randomBytes(40) } });

    const during = createBotsRepository(pool, createProviderSecretBox(rotated), logger);
    expect((await during.find(legacy.tenantId, legacy.id))?.providers[0]?.secrets).toEqual({ access_token: "token-legacy" });

    const first = await resealSecrets(pool, rotated);
    // Also the two bots of the first test: A's credentials move, B's copied row opens with no key or binding.
    expect(first).toEqual([
      { table: "bot_providers", resealed: 3, alreadyCurrent: 0, unreadable: 1 },
      { table: "session_creds", resealed: 1, alreadyCurrent: 0, unreadable: 0 },
      { table: "session_keys", resealed: 2, alreadyCurrent: 0, unreadable: 0 },
    ]);
    expect((await resealSecrets(pool, rotated)).map((report) => report.resealed)).toEqual([0, 0, 0]);

    const afterRotation = createBotsRepository(pool, createProviderSecretBox(after), logger);
    expect((await afterRotation.find(meta.tenantId, meta.id))?.providers[0]?.secrets).toEqual({ access_token: "token-meta" });
    expect((await afterRotation.find(legacy.tenantId, legacy.id))?.providers[0]?.secrets).toEqual({ access_token: "token-legacy" });
    const reloaded = await createBaileysAuthRepository(pool, createSessionSecretBox(after), logger).load(linked.id);
    expect(reloaded.state.creds.registrationId).toBe(creds.registrationId);
    expect(Object.keys(await createBaileysAuthRepository(pool, createSessionSecretBox(after), logger).keyStore(linked.id).get("pre-key", ["1"]))).toEqual(["1"]);
  });
});
