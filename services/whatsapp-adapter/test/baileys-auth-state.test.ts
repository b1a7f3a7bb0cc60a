// Baileys auth state on real Postgres: creds and every signal key in their own
// sealed rows, deletion by null, concurrent sets, isolation between bots, and
// state that outlives ConfigureBot but not a logout or DeleteBot.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { initAuthCreds, type KeyPair } from "@whiskeysockets/baileys";
import { createPostgresPool, createSecretBox } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, type TestDatabase } from "@fleet/testing";
import { createBotsRepository, createProviderSecretBox } from "../src/repositories/bots.repository.js";
import { createBaileysAuthRepository, createSessionSecretBox, type BaileysAuthRepository } from "../src/sessions/baileys/baileys-auth.repository.js";

const KEY = randomBytes(32).toString("hex");
const { logger: silentLogger } = memoryLogger("whatsapp-adapter", "error");
let database: TestDatabase;
let pool: pg.Pool;
let auth: BaileysAuthRepository;
let bots: ReturnType<typeof createBotsRepository>;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPostgresPool({ url: database.url, schema: "adapter", logger: silentLogger });
  auth = createBaileysAuthRepository(pool, createSessionSecretBox(KEY), silentLogger);
  bots = createBotsRepository(pool, createProviderSecretBox(KEY));
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

async function newBot(tenantId = randomUUID(), settings: Record<string, string> = {}): Promise<{ botId: string; tenantId: string }> {
  const saved = await bots.save({ tenantId, displayName: "Shop", providers: [{ kind: "baileys", settings, secrets: {}, routingKey: null }] });
  return { botId: saved.id, tenantId };
}

function keyPair(): KeyPair {
  return { public: randomBytes(32), private: randomBytes(32) };
}

async function rowCount(botId: string): Promise<{ creds: number; keys: number }> {
  const creds = await pool.query("SELECT 1 FROM session_creds WHERE bot_id = $1", [botId]);
  const keys = await pool.query("SELECT 1 FROM session_keys WHERE bot_id = $1", [botId]);
  return { creds: creds.rowCount ?? 0, keys: keys.rowCount ?? 0 };
}

describe("Baileys auth state in Postgres", () => {
  it("stores fresh creds on first load and reads back every Buffer after changes", async () => {
    const { botId } = await newBot();
    const { state, saveCreds } = await auth.load(botId);
    expect(await rowCount(botId)).toEqual({ creds: 1, keys: 0 });

    Object.assign(state.creds, { registered: true, me: { id: "5215512345678:3@s.whatsapp.net", lid: "123456789:3@lid", name: "Shop" } });
    await saveCreds();

    const read = await auth.readCreds(botId);
    expect(read?.registered).toBe(true);
    expect(read?.me?.id).toBe("5215512345678:3@s.whatsapp.net");
    expect(Buffer.isBuffer(read?.noiseKey.private)).toBe(true);
    expect(Buffer.from(read?.noiseKey.private ?? []).equals(Buffer.from(state.creds.noiseKey.private))).toBe(true);
    expect(read?.signedPreKey.keyId).toBe(state.creds.signedPreKey.keyId);
    expect(read?.advSecretKey).toBe(state.creds.advSecretKey);
  });

  it("keeps no readable secret in the rows: creds and keys are sealed", async () => {
    const { botId } = await newBot();
    const { state } = await auth.load(botId);
    await auth.keyStore(botId).set({ "lid-mapping": { "5215512345678": "123456789" } });
    const { rows } = await pool.query<{ sealed: Buffer }>("SELECT sealed FROM session_creds WHERE bot_id = $1 UNION ALL SELECT sealed FROM session_keys WHERE bot_id = $1", [botId]);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.sealed.toString("utf8")).not.toContain("5215512345678");
      expect(row.sealed.includes(Buffer.from(state.creds.advSecretKey))).toBe(false);
    }
  });

  it("round-trips signal keys of several types and deletes the ones set to null", async () => {
    const { botId } = await newBot();
    const keys = auth.keyStore(botId);
    const preKey = keyPair();
    const session = randomBytes(48);
    await keys.set({ "pre-key": { "1": preKey, "2": keyPair() }, session: { "5215512345678.0": session }, "device-list": { "5215512345678": ["0", "12"] } });

    const preKeys = await keys.get("pre-key", ["1", "2", "3"]);
    expect(Object.keys(preKeys).sort()).toEqual(["1", "2"]);
    expect(Buffer.from(preKeys["1"]?.private ?? []).equals(Buffer.from(preKey.private))).toBe(true);
    expect(Buffer.from((await keys.get("session", ["5215512345678.0"]))["5215512345678.0"] ?? []).equals(session)).toBe(true);
    expect((await keys.get("device-list", ["5215512345678"]))["5215512345678"]).toEqual(["0", "12"]);

    await keys.set({ "pre-key": { "1": null } });
    expect(Object.keys(await keys.get("pre-key", ["1", "2"]))).toEqual(["2"]);
    expect(await rowCount(botId)).toEqual({ creds: 0, keys: 3 });
  });

  it("has every set committed when it resolves, and survives concurrent sets on the same and on different keys", async () => {
    const { botId } = await newBot();
    const keys = auth.keyStore(botId);
    const values = Array.from({ length: 20 }, () => randomBytes(16));
    // The same key written 20 times at once, and 20 different keys written at once, in overlapping batches.
    await Promise.all(
      values.map(async (value, index) => {
        await keys.set({ session: { shared: value, [`own-${index}`]: value }, "sender-key": { [`group-${19 - index}`]: value } });
        const { rows } = await pool.query("SELECT 1 FROM session_keys WHERE bot_id = $1 AND type = 'session' AND id = $2", [botId, `own-${index}`]);
        expect(rows).toHaveLength(1);
      }),
    );

    const shared = (await keys.get("session", ["shared"])).shared;
    expect(values.some((value) => Buffer.from(shared ?? []).equals(value))).toBe(true);
    const own = await keys.get("session", values.map((_, index) => `own-${index}`));
    expect(Object.keys(own)).toHaveLength(20);
    expect(Buffer.from(own["own-7"] ?? []).equals(values[7] ?? Buffer.alloc(0))).toBe(true);
    expect(Object.keys(await keys.get("sender-key", values.map((_, index) => `group-${index}`)))).toHaveLength(20);
  });

  it("reads through Baileys' cache and writes through it to Postgres", async () => {
    const { botId } = await newBot();
    const { state } = await auth.load(botId);
    await state.keys.set({ "app-state-sync-key": { AAAA: { keyData: randomBytes(32) } } });
    expect(Object.keys(await auth.keyStore(botId).get("app-state-sync-key", ["AAAA"]))).toEqual(["AAAA"]);
    await state.keys.set({ "app-state-sync-key": { AAAA: null } });
    expect(await auth.keyStore(botId).get("app-state-sync-key", ["AAAA"])).toEqual({});
  });

  it("is untouched when the bot is configured again", async () => {
    const tenantId = randomUUID();
    const { botId } = await newBot(tenantId);
    const { state, saveCreds } = await auth.load(botId);
    state.creds.registered = true;
    await saveCreds();
    await auth.keyStore(botId).set({ "pre-key": { "7": keyPair() } });
    const before = await pool.query("SELECT type, id, sealed FROM session_keys WHERE bot_id = $1 UNION ALL SELECT kind, 'creds', sealed FROM session_creds WHERE bot_id = $1 ORDER BY 1, 2", [botId]);

    await bots.save({ id: botId, tenantId, displayName: "Shop renamed", providers: [{ kind: "baileys", settings: { groups: "true" }, secrets: {}, routingKey: null }] });
    await bots.save({ id: botId, tenantId, displayName: "Shop", providers: [{ kind: "meta", settings: { phone_number_id: "123456" }, secrets: { access_token: "t" }, routingKey: "123456" }, { kind: "baileys", settings: {}, secrets: {}, routingKey: null }] });

    const after = await pool.query("SELECT type, id, sealed FROM session_keys WHERE bot_id = $1 UNION ALL SELECT kind, 'creds', sealed FROM session_creds WHERE bot_id = $1 ORDER BY 1, 2", [botId]);
    expect(after.rows).toEqual(before.rows);
    expect((await auth.readCreds(botId))?.registered).toBe(true);
  });

  it("keeps bots apart: the same key ids per bot, and a row copied to another bot does not open there", async () => {
    const a = await newBot();
    const b = await newBot();
    await auth.keyStore(a.botId).set({ session: { "x.0": Buffer.from("a") } });
    await auth.keyStore(b.botId).set({ session: { "x.0": Buffer.from("b") } });
    expect(Buffer.from((await auth.keyStore(a.botId).get("session", ["x.0"]))["x.0"] ?? []).toString()).toBe("a");
    expect(Buffer.from((await auth.keyStore(b.botId).get("session", ["x.0"]))["x.0"] ?? []).toString()).toBe("b");

    await auth.keyStore(a.botId).set({ session: { "y.0": Buffer.from("secret of a") } });
    await pool.query("INSERT INTO session_keys (bot_id, kind, type, id, sealed) SELECT $2, kind, type, id, sealed FROM session_keys WHERE bot_id = $1 AND id = 'y.0'", [a.botId, b.botId]);
    expect(await auth.keyStore(b.botId).get("session", ["y.0"])).toEqual({});
  });

  it("reads state sealed with another key as absent, not as an error", async () => {
    const { botId } = await newBot();
    const other = createBaileysAuthRepository(pool, createSecretBox({ keyMaterial: randomBytes(32).toString("hex"), salt: "fleet.adapter", info: "baileys-auth-state-v1" }), silentLogger);
    await other.writeCreds(botId, initAuthCreds());
    await other.keyStore(botId).set({ "pre-key": { "1": keyPair() } });
    expect(await auth.readCreds(botId)).toBeNull();
    expect(await auth.keyStore(botId).get("pre-key", ["1"])).toEqual({});
  });

  it("clears one bot's state only, and DeleteBot removes the state with the bot", async () => {
    const a = await newBot();
    const b = await newBot();
    for (const bot of [a, b]) {
      await auth.load(bot.botId);
      await auth.keyStore(bot.botId).set({ "pre-key": { "1": keyPair() } });
    }
    await auth.clear(a.botId);
    expect(await rowCount(a.botId)).toEqual({ creds: 0, keys: 0 });
    expect(await rowCount(b.botId)).toEqual({ creds: 1, keys: 1 });

    expect(await bots.delete(b.tenantId, b.botId)).toBe(true);
    expect(await rowCount(b.botId)).toEqual({ creds: 0, keys: 0 });
  });

  it("lists the bots that have a Baileys provider, with their settings", async () => {
    const tenantId = randomUUID();
    const baileys = await newBot(tenantId, { groups: "true" });
    await bots.save({ tenantId, displayName: "Meta only", providers: [{ kind: "meta", settings: { phone_number_id: "654321" }, secrets: { access_token: "t" }, routingKey: "654321" }] });
    const listed = await auth.listBots();
    expect(listed).toContainEqual({ botId: baileys.botId, tenantId, settings: { groups: "true" } });
    expect(listed.every((bot) => bot.tenantId !== tenantId || bot.botId === baileys.botId)).toBe(true);
  });
});
