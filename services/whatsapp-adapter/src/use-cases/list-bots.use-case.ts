// The caller's tenant's bots, oldest first, a page at a time. The page token
// is opaque to callers (base64url of where the previous page ended) and is
// only ever applied within the caller's own tenant.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import type { BotHealthRepository } from "../repositories/bot-health.repository.js";
import type { BotsCursor, BotsRepository } from "../repositories/bots.repository.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import { describeBot, type BotView } from "./get-bot.use-case.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

const CursorSchema = z.strictObject({
  // Exactly what the repository issued (microseconds, UTC): anything else would reach Postgres as an invalid timestamp.
  createdAt: z.iso.datetime({ precision: 6 }),
  id: z.uuid(),
});

function encodeCursor(cursor: BotsCursor): string {
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

function decodeCursor(token: string): BotsCursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    json = undefined;
  }
  const parsed = CursorSchema.safeParse(json);
  if (!parsed.success) throw new AppError("invalid_argument", "INVALID_PAGE_TOKEN", "page_token is not one this service issued");
  return parsed.data;
}

export interface ListBotsInput {
  tenantId: string;
  /** 0 for the default; more than MAX_PAGE_SIZE is lowered to it. */
  pageSize: number;
  /** Empty for the first page. */
  pageToken: string;
}

export interface BotsPageView {
  bots: BotView[];
  /** Empty on the last page. */
  nextPageToken: string;
}

export interface ListBotsDeps {
  bots: Pick<BotsRepository, "list">;
  botHealth: Pick<BotHealthRepository, "find">;
  providers: ProviderRegistry;
}

export function createListBots({ bots, botHealth, providers }: ListBotsDeps) {
  return async function listBots({ tenantId, pageSize, pageToken }: ListBotsInput): Promise<BotsPageView> {
    const problems: string[] = [];
    if (!z.uuid().safeParse(tenantId).success) problems.push("tenant_id must be a UUID");
    if (!Number.isInteger(pageSize) || pageSize < 0) problems.push("page_size must not be negative");
    if (problems.length > 0) throw new AppError("invalid_argument", "INVALID_LIST_REQUEST", "Invalid list request", { details: problems });

    const after = pageToken === "" ? undefined : decodeCursor(pageToken);
    const page = await bots.list(tenantId, { limit: Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE), after });
    // One Redis read per bot, sent together: the connection state costs one round trip per page.
    const problemsByBot = await Promise.all(page.bots.map((bot) => (bot.providers.length > 0 ? botHealth.find(bot.id) : Promise.resolve(null))));
    return {
      bots: page.bots.map((bot, index) => describeBot(bot, problemsByBot[index] ?? null, providers)),
      nextPageToken: page.next ? encodeCursor(page.next) : "",
    };
  };
}

export type ListBots = ReturnType<typeof createListBots>;
