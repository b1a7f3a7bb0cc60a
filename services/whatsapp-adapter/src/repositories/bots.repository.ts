// Bots and their ordered provider configuration in the adapter's schema.
// Secrets are sealed before they reach SQL and opened only for the provider clients.
// Every query that starts from a caller's bot id also filters by its tenant.
import type pg from "pg";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError, asKeyring, createSecretBox, type Logger, type SecretBox, type SecretKeyring } from "@fleet/service-kit";

const UNIQUE_VIOLATION = "23505";
const ROUTING_KEY_INDEX = "bot_providers_routing_idx";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ProviderSetting {
  kind: ProviderKindName;
  settings: Record<string, string>;
  secrets: Record<string, string>;
  routingKey: string | null;
}

export interface BotRecord {
  id: string;
  tenantId: string;
  displayName: string;
  providers: ProviderSetting[];
}

/** A bot as stored: its configuration and when it was created and last configured. */
export interface StoredBot extends BotRecord {
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Where a page of a tenant's bots ends: its last bot's creation time, exactly as Postgres
 * stores it (microseconds, which a JS Date would round away and so repeat or skip a bot), and id.
 */
export interface BotsCursor {
  createdAt: string;
  id: string;
}

export interface BotsPage {
  bots: StoredBot[];
  /** Null on the last page. */
  next: BotsCursor | null;
}

interface BotRow {
  id: string;
  tenant_id: string;
  display_name: string;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
  kind: ProviderKindName | null;
  settings: Record<string, string> | null;
  secrets: Buffer | null;
  routing_key: string | null;
}

/**
 * The box of provider credentials. Its HKDF salt and info are fixed for good: credentials already
 * stored were sealed with the key they derive.
 */
export function createProviderSecretBox(keys: string | SecretKeyring): SecretBox {
  return createSecretBox({ ...asKeyring(keys), salt: "fleet.adapter", info: "provider-secrets-v1" });
}

/**
 * What a provider's sealed credentials are bound to: its bot and its kind, so a value copied to
 * another row does not open. Values sealed before the binding (no context) still open, and the
 * re-seal command binds them.
 */
export const providerSecretsContext = (botId: string, kind: string): string => `${botId.toLowerCase()}/${kind}`;

/** Whether a string can name a bot or a tenant: anything else would make Postgres raise 22P02. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function createBotsRepository(pool: pg.Pool, box: SecretBox, logger?: Logger) {
  // Secrets sealed with another key (a rotated or mistyped SECRETS_ENCRYPTION_KEY) read as absent: the
  // bot then reports missing credentials and configuring it again replaces them, instead of every
  // call on that bot failing with an internal error.
  function openSecrets(botId: string, kind: string, sealed: Buffer): Record<string, string> {
    try {
      return box.open(sealed, providerSecretsContext(botId, kind));
    } catch {
      // Sealed before credentials were bound to their bot and provider.
    }
    try {
      return box.open(sealed);
    } catch {
      logger?.error("provider secrets cannot be decrypted with the configured key; configure the bot again", { botId });
      return {};
    }
  }

  /** Rows of one or more bots (each bot's rows together, providers in order) → bots in row order. */
  function toRecords(rows: BotRow[]): StoredBot[] {
    const bots = new Map<string, StoredBot>();
    for (const row of rows) {
      let bot = bots.get(row.id);
      if (!bot) {
        bot = { id: row.id, tenantId: row.tenant_id, displayName: row.display_name, createdAt: row.created_at, updatedAt: row.updated_at, providers: [] };
        bots.set(row.id, bot);
      }
      // A bot without providers comes back from the LEFT JOIN as one row of nulls.
      if (row.kind === null) continue;
      bot.providers.push({ kind: row.kind, settings: row.settings ?? {}, secrets: row.secrets ? openSecrets(row.id, row.kind, row.secrets) : {}, routingKey: row.routing_key });
    }
    return [...bots.values()];
  }

  const COLUMNS = `b.id, b.tenant_id, b.display_name, b.created_at, b.updated_at,
    to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
    p.kind, p.settings, p.secrets, p.routing_key`;
  const SELECT = `SELECT ${COLUMNS} FROM bots b LEFT JOIN bot_providers p ON p.bot_id = b.id`;

  return {
    async find(tenantId: string, botId: string): Promise<StoredBot | null> {
      // An id that is not a UUID names no bot (Postgres would raise 22P02 and the caller would see INTERNAL).
      if (!isUuid(tenantId) || !isUuid(botId)) return null;
      const { rows } = await pool.query<BotRow>(`${SELECT} WHERE b.id = $1 AND b.tenant_id = $2 ORDER BY p.position`, [botId, tenantId]);
      return toRecords(rows)[0] ?? null;
    },

    /** A bot by id alone: only for webhooks whose URL the adapter made for that bot (see webhook-keys.ts). */
    async findById(botId: string): Promise<StoredBot | null> {
      if (!isUuid(botId)) return null;
      const { rows } = await pool.query<BotRow>(`${SELECT} WHERE b.id = $1 ORDER BY p.position`, [botId]);
      return toRecords(rows)[0] ?? null;
    },

    /** The bot whose provider of `kind` has this routing key (e.g. Meta phone_number_id). */
    async findByRoutingKey(kind: ProviderKindName, routingKey: string): Promise<StoredBot | null> {
      const { rows } = await pool.query<BotRow>(
        `${SELECT} WHERE b.id = (SELECT bot_id FROM bot_providers WHERE kind = $1 AND routing_key = $2) ORDER BY p.position`,
        [kind, routingKey],
      );
      return toRecords(rows)[0] ?? null;
    },

    /** Up to `limit` of the tenant's bots, oldest first, after `after` (a previous page's `next`). */
    async list(tenantId: string, { limit, after }: { limit: number; after?: BotsCursor }): Promise<BotsPage> {
      if (!isUuid(tenantId) || (after && !isUuid(after.id))) return { bots: [], next: null };
      // One more than asked tells whether another page follows.
      const { rows } = await pool.query<BotRow>(
        `WITH page AS (
           SELECT * FROM bots
           WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
           ORDER BY created_at, id LIMIT $4
         )
         SELECT ${COLUMNS} FROM page b LEFT JOIN bot_providers p ON p.bot_id = b.id
         ORDER BY b.created_at, b.id, p.position`,
        [tenantId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
      );
      const bots = toRecords(rows);
      if (bots.length <= limit) return { bots, next: null };
      const page = bots.slice(0, limit);
      const last = page[page.length - 1];
      const lastRow = last ? rows.find((row) => row.id === last.id) : undefined;
      return { bots: page, next: last && lastRow ? { createdAt: lastRow.cursor_at, id: last.id } : null };
    },

    /**
     * Inserts a bot, or updates one of the tenant's bots, with its whole provider list in one
     * transaction. Provider rows are keyed by (bot, kind): a kind the bot keeps is updated in place
     * (new settings, secrets, position), one it drops is deleted, a new one inserted.
     */
    async save(bot: Omit<BotRecord, "id"> & { id?: string }): Promise<StoredBot> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query<{ id: string; created_at: Date; updated_at: Date }>(
          bot.id
            ? "UPDATE bots SET display_name = $3, updated_at = now() WHERE id = $1 AND tenant_id = $2 RETURNING id, created_at, updated_at"
            : "INSERT INTO bots (tenant_id, display_name) VALUES ($1, $2) RETURNING id, created_at, updated_at",
          bot.id ? [bot.id, bot.tenantId, bot.displayName] : [bot.tenantId, bot.displayName],
        );
        const saved = rows[0];
        if (!saved) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
        await client.query("DELETE FROM bot_providers WHERE bot_id = $1 AND kind <> ALL($2::text[])", [saved.id, bot.providers.map((p) => p.kind)]);
        for (const [position, provider] of bot.providers.entries()) {
          // Two kept providers may swap positions: the unique (bot_id, position) is checked at commit.
          await client.query(
            `INSERT INTO bot_providers (bot_id, position, kind, settings, secrets, routing_key) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (bot_id, kind) DO UPDATE SET position = EXCLUDED.position, settings = EXCLUDED.settings, secrets = EXCLUDED.secrets, routing_key = EXCLUDED.routing_key`,
            [saved.id, position, provider.kind, provider.settings, Object.keys(provider.secrets).length > 0 ? box.seal(provider.secrets, providerSecretsContext(saved.id, provider.kind)) : null, provider.routingKey],
          );
        }
        await client.query("COMMIT");
        return { ...bot, id: saved.id, createdAt: saved.created_at, updatedAt: saved.updated_at };
      } catch (error) {
        await client.query("ROLLBACK");
        if (error instanceof Error && "code" in error && error.code === UNIQUE_VIOLATION && "constraint" in error && error.constraint === ROUTING_KEY_INDEX) {
          throw new AppError("conflict", "PROVIDER_NUMBER_IN_USE", "Another bot is already connected to this provider number", { cause: error });
        }
        throw error;
      } finally {
        client.release();
      }
    },

    /** Deletes one of the tenant's bots (its provider rows go with it); false when the tenant has no such bot. */
    async delete(tenantId: string, botId: string): Promise<boolean> {
      if (!isUuid(tenantId) || !isUuid(botId)) return false;
      const { rowCount } = await pool.query("DELETE FROM bots WHERE id = $1 AND tenant_id = $2", [botId, tenantId]);
      return (rowCount ?? 0) > 0;
    },
  };
}

export type BotsRepository = ReturnType<typeof createBotsRepository>;
