// Baileys auth state in Postgres (session_creds, session_keys): the creds in
// one row per bot, every signal key in its own row, each value serialised
// with BufferJSON and sealed with the adapter's key bound to (bot, type, id).
// A `set` of keys runs in one transaction and resolves only once committed:
// Baileys moves its ratchets forward as soon as a set returns, so a lost
// write would leave sessions the phone can no longer decrypt. Rows are
// written in (type, id) order, so concurrent sets never deadlock.
import type pg from "pg";
import type { AuthenticationCreds, AuthenticationState, SignalDataSet, SignalDataTypeMap, SignalKeyStore } from "@whiskeysockets/baileys";
import { asKeyring, createSecretBox, type Logger, type SecretBox, type SecretKeyring } from "@fleet/service-kit";
import type { ProviderKindName } from "@fleet/contracts";
import { loadBaileys, type BaileysLibrary } from "./baileys-library.js";
import { baileysLogger } from "./baileys-socket.js";

const KIND: ProviderKindName = "baileys";

/**
 * The box of session state. Its HKDF salt and info are fixed for good: state already stored was
 * sealed with the key they derive.
 */
export function createSessionSecretBox(keys: string | SecretKeyring): SecretBox {
  return createSecretBox({ ...asKeyring(keys), salt: "fleet.adapter", info: "baileys-auth-state-v1" });
}

/** What a session's creds and each of its keys are sealed against (their bot, type and id). */
export const sessionCredsContext = (botId: string): string => `${KIND}:${botId}:creds`;
export const sessionKeyContext = (botId: string, type: string, id: string): string => `${KIND}:${botId}:${type}:${id}`;

type KeyType = keyof SignalDataTypeMap;

/** A bot with a Baileys provider, as the ownership loop needs it. */
export interface BaileysBot {
  botId: string;
  tenantId: string;
  settings: Record<string, string>;
}

export interface BaileysAuthState {
  state: AuthenticationState;
  /** Persists the creds as they are now (after Baileys' creds.update merged into them). */
  saveCreds(): Promise<void>;
}

type BufferCodec = BaileysLibrary["BufferJSON"];

function sealValue(box: SecretBox, codec: BufferCodec, value: unknown, context: string): Buffer {
  return box.seal({ json: JSON.stringify(value, codec.replacer) }, context);
}

/** Baileys' JSON codec for Buffers (the library is loaded by the first session that needs it). */
async function bufferCodec(): Promise<BufferCodec> {
  return (await loadBaileys()).BufferJSON;
}

export function createBaileysAuthRepository(pool: pg.Pool, box: SecretBox, logger: Logger) {
  const credsContext = sessionCredsContext;
  const keyContext = sessionKeyContext;

  /**
   * Opens a sealed value. The box authenticates it with its bot, type and id, so what opens is what
   * this repository wrote for that slot; a value sealed with another key reads as absent (logged).
   */
  function openValue(codec: BufferCodec, sealed: Buffer, context: string, botId: string): unknown {
    try {
      const { json } = box.open(sealed, context);
      if (json === undefined) return undefined;
      return JSON.parse(json, codec.reviver) as unknown;
    } catch {
      logger.error("baileys auth state cannot be decrypted with the configured key; the bot must be linked again", { botId });
      return undefined;
    }
  }

  async function readCreds(botId: string): Promise<AuthenticationCreds | null> {
    const { rows } = await pool.query<{ sealed: Buffer }>("SELECT sealed FROM session_creds WHERE bot_id = $1 AND kind = $2", [botId, KIND]);
    const row = rows[0];
    if (!row) return null;
    const value = openValue(await bufferCodec(), row.sealed, credsContext(botId), botId);
    // Authenticated as what writeCreds stored for this bot: Baileys' own creds object.
    return value && typeof value === "object" ? (value as AuthenticationCreds) : null;
  }

  async function writeCreds(botId: string, creds: AuthenticationCreds): Promise<void> {
    const sealed = sealValue(box, await bufferCodec(), creds, credsContext(botId));
    await pool.query(
      `INSERT INTO session_creds (bot_id, kind, sealed) VALUES ($1, $2, $3)
       ON CONFLICT (bot_id, kind) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`,
      [botId, KIND, sealed],
    );
  }

  /** The bot's signal keys, straight on Postgres (no cache). */
  function keyStore(botId: string): SignalKeyStore {
    return {
      async get<T extends KeyType>(type: T, ids: string[]) {
        const found: { [id: string]: SignalDataTypeMap[T] } = {};
        if (ids.length === 0) return found;
        const codec = await bufferCodec();
        const { rows } = await pool.query<{ id: string; sealed: Buffer }>(
          "SELECT id, sealed FROM session_keys WHERE bot_id = $1 AND kind = $2 AND type = $3 AND id = ANY($4::text[])",
          [botId, KIND, type, ids],
        );
        for (const row of rows) {
          const value = openValue(codec, row.sealed, keyContext(botId, type, row.id), botId);
          // Authenticated as what set() stored for this (bot, type, id): a value of that key type.
          if (value !== undefined && value !== null) found[row.id] = value as SignalDataTypeMap[T];
        }
        return found;
      },
      async set(data: SignalDataSet) {
        const codec = await bufferCodec();
        const writes: { type: string; id: string; sealed: Buffer }[] = [];
        const deletes: { type: string; id: string }[] = [];
        for (const [type, values] of Object.entries(data)) {
          for (const [id, value] of Object.entries(values ?? {})) {
            if (value === null || value === undefined) deletes.push({ type, id });
            else writes.push({ type, id, sealed: sealValue(box, codec, value, keyContext(botId, type, id)) });
          }
        }
        if (writes.length === 0 && deletes.length === 0) return;
        const order = (a: { type: string; id: string }, b: { type: string; id: string }) => (a.type === b.type ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.type < b.type ? -1 : 1);
        writes.sort(order);
        deletes.sort(order);
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          if (deletes.length > 0) {
            await client.query(
              `DELETE FROM session_keys k USING unnest($3::text[], $4::text[]) AS d(type, id)
               WHERE k.bot_id = $1 AND k.kind = $2 AND k.type = d.type AND k.id = d.id`,
              [botId, KIND, deletes.map((d) => d.type), deletes.map((d) => d.id)],
            );
          }
          if (writes.length > 0) {
            await client.query(
              `INSERT INTO session_keys (bot_id, kind, type, id, sealed)
               SELECT $1, $2, w.type, w.id, w.sealed FROM unnest($3::text[], $4::text[], $5::bytea[]) AS w(type, id, sealed)
               ON CONFLICT (bot_id, kind, type, id) DO UPDATE SET sealed = EXCLUDED.sealed`,
              [botId, KIND, writes.map((w) => w.type), writes.map((w) => w.id), writes.map((w) => w.sealed)],
            );
          }
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
      clear: () => clear(botId),
    };
  }

  async function clear(botId: string): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("DELETE FROM session_keys WHERE bot_id = $1 AND kind = $2", [botId, KIND]);
      await client.query("DELETE FROM session_creds WHERE bot_id = $1 AND kind = $2", [botId, KIND]);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    readCreds,
    writeCreds,
    keyStore,
    clear,

    /**
     * The state a socket starts from: the stored creds (fresh ones, stored at once, for a bot never
     * linked) and the bot's keys behind Baileys' cache.
     */
    async load(botId: string): Promise<BaileysAuthState> {
      const { initAuthCreds, makeCacheableSignalKeyStore } = await loadBaileys();
      let creds = await readCreds(botId);
      if (!creds) {
        creds = initAuthCreds();
        await writeCreds(botId, creds);
      }
      const state: AuthenticationState = { creds, keys: makeCacheableSignalKeyStore(keyStore(botId), baileysLogger(logger, botId)) };
      return { state, saveCreds: () => writeCreds(botId, state.creds) };
    },

    /** The tenant of a bot, or null when there is no such bot. */
    async tenantOf(botId: string): Promise<string | null> {
      const { rows } = await pool.query<{ tenant_id: string }>("SELECT tenant_id FROM bots WHERE id = $1", [botId]);
      return rows[0]?.tenant_id ?? null;
    },

    /** Every bot with a Baileys provider, in a stable order. */
    async listBots(): Promise<BaileysBot[]> {
      const { rows } = await pool.query<{ id: string; tenant_id: string; settings: Record<string, string> | null }>(
        "SELECT b.id, b.tenant_id, p.settings FROM bot_providers p JOIN bots b ON b.id = p.bot_id WHERE p.kind = $1 ORDER BY b.id",
        [KIND],
      );
      return rows.map((row) => ({ botId: row.id, tenantId: row.tenant_id, settings: row.settings ?? {} }));
    },
  };
}

export type BaileysAuthRepository = ReturnType<typeof createBaileysAuthRepository>;
