// Bots and their ordered provider configuration in the adapter's schema.
// Secrets are sealed before they reach SQL and opened only for the provider clients.
import type pg from "pg";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError, type Logger } from "@fleet/service-kit";
import type { SecretBox } from "./secret-box.js";

const UNIQUE_VIOLATION = "23505";
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

interface BotRow {
  id: string;
  tenant_id: string;
  display_name: string;
  kind: ProviderKindName | null;
  settings: Record<string, string> | null;
  secrets: Buffer | null;
  routing_key: string | null;
}

export function createBotsRepository(pool: pg.Pool, box: SecretBox, logger?: Logger) {
  // Secrets sealed with another key (a rotated or mistyped SECRETS_ENCRYPTION_KEY) read as absent: the
  // bot then reports missing credentials and configuring it again replaces them, instead of every
  // call on that bot failing with an internal error.
  function openSecrets(botId: string, sealed: Buffer): Record<string, string> {
    try {
      return box.open(sealed);
    } catch {
      logger?.error("provider secrets cannot be decrypted with the configured key; configure the bot again", { botId });
      return {};
    }
  }

  function toRecord(rows: BotRow[]): BotRecord | null {
    const first = rows[0];
    if (!first) return null;
    return {
      id: first.id,
      tenantId: first.tenant_id,
      displayName: first.display_name,
      providers: rows
        .filter((row) => row.kind !== null)
        .map((row) => ({
          kind: row.kind as ProviderKindName,
          settings: row.settings ?? {},
          secrets: row.secrets ? openSecrets(row.id, row.secrets) : {},
          routingKey: row.routing_key,
        })),
    };
  }

  const SELECT = `SELECT b.id, b.tenant_id, b.display_name, p.kind, p.settings, p.secrets, p.routing_key
    FROM bots b LEFT JOIN bot_providers p ON p.bot_id = b.id`;

  return {
    async find(tenantId: string, botId: string): Promise<BotRecord | null> {
      // An id that is not a UUID names no bot (Postgres would raise 22P02 and the caller would see INTERNAL).
      if (!UUID.test(tenantId) || !UUID.test(botId)) return null;
      const { rows } = await pool.query<BotRow>(`${SELECT} WHERE b.id = $1 AND b.tenant_id = $2 ORDER BY p.position`, [botId, tenantId]);
      return toRecord(rows);
    },

    /** The bot whose provider of `kind` has this routing key (e.g. Meta phone_number_id). */
    async findByRoutingKey(kind: ProviderKindName, routingKey: string): Promise<BotRecord | null> {
      const { rows } = await pool.query<BotRow>(
        `${SELECT} WHERE b.id = (SELECT bot_id FROM bot_providers WHERE kind = $1 AND routing_key = $2) ORDER BY p.position`,
        [kind, routingKey],
      );
      return toRecord(rows);
    },

    /** Inserts or replaces the bot and its whole provider list in one transaction. */
    async save(bot: Omit<BotRecord, "id"> & { id?: string }): Promise<BotRecord> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query<{ id: string }>(
          bot.id
            ? "UPDATE bots SET display_name = $3, updated_at = now() WHERE id = $1 AND tenant_id = $2 RETURNING id"
            : "INSERT INTO bots (tenant_id, display_name) VALUES ($1, $2) RETURNING id",
          bot.id ? [bot.id, bot.tenantId, bot.displayName] : [bot.tenantId, bot.displayName],
        );
        const id = rows[0]?.id;
        if (!id) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
        await client.query("DELETE FROM bot_providers WHERE bot_id = $1", [id]);
        for (const [position, provider] of bot.providers.entries()) {
          await client.query("INSERT INTO bot_providers (bot_id, position, kind, settings, secrets, routing_key) VALUES ($1, $2, $3, $4, $5, $6)", [
            id,
            position,
            provider.kind,
            provider.settings,
            Object.keys(provider.secrets).length > 0 ? box.seal(provider.secrets) : null,
            provider.routingKey,
          ]);
        }
        await client.query("COMMIT");
        return { ...bot, id };
      } catch (error) {
        await client.query("ROLLBACK");
        if (error instanceof Error && "code" in error && error.code === UNIQUE_VIOLATION) {
          throw new AppError("conflict", "PROVIDER_NUMBER_IN_USE", "Another bot is already connected to this provider number", { cause: error });
        }
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

export type BotsRepository = ReturnType<typeof createBotsRepository>;
