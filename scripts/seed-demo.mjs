#!/usr/bin/env node
// Seeds the local demo, idempotently: tenant `demo-shop`, its owner
// `owner@demo.shop` (password from DEMO_OWNER_PASSWORD, hashed exactly as the
// gateway does) and a Meta bot configured through the adapter's ConfigureBot.
// The adapter has no ListBots, so the bot id is kept in the tenant's
// settings.demoBotId: present → update that bot, absent (or unknown to the
// adapter) → create one and remember it. Run from the repo root after
// `pnpm build` and `pnpm migrate`, with the adapter running:
//   DEMO_OWNER_PASSWORD=... DEMO_PHONE_NUMBER_ID=... DEMO_META_ACCESS_TOKEN=... node scripts/seed-demo.mjs
// Prints one JSON line: {"tenantId","botId","ownerEmail"}.
import pg from "pg";
import { createServiceClient } from "@fleet/grpc-bridge";
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import { hashPassword } from "../services/gateway/dist/auth/password.js";

const TENANT_SLUG = "demo-shop";
const TENANT_NAME = "Demo Shop";
const OWNER_EMAIL = "owner@demo.shop";
const BOT_NAME = "Demo Shop bot";
// Serialises concurrent seeds, so two runs cannot both create a bot.
const LOCK_KEY = "fleet:seed-demo";

function fail(message) {
  console.error(`seed-demo: ${message}`);
  process.exit(1);
}

function required(name, check, hint) {
  const value = process.env[name];
  if (!value) fail(`${name} is required (${hint})`);
  if (check && !check(value)) fail(`${name} ${hint}`);
  return value;
}

const env = {
  databaseUrl: process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/fleet",
  adapterGrpcUrl: process.env.ADAPTER_GRPC_URL || "127.0.0.1:50052",
  ownerPassword: required("DEMO_OWNER_PASSWORD", (v) => v.length >= 12, "must be at least 12 characters; generate one, there is no default"),
  phoneNumberId: required("DEMO_PHONE_NUMBER_ID", (v) => /^\d{5,20}$/.test(v), "must be the Meta phone number id (digits)"),
  metaAccessToken: required("DEMO_META_ACCESS_TOKEN", null, "the Meta (or sandbox) access token of the demo number"),
};

const adapter = createServiceClient(AdapterService, env.adapterGrpcUrl, { defaultDeadlineMs: 5000 });
const db = new pg.Client({ connectionString: env.databaseUrl });

/** ConfigureBot for the demo bot: updates `botId` when given, else creates a bot. */
async function configureBot(tenantId, botId) {
  const response = await adapter.configureBot({
    tenantId,
    botId: botId ?? "",
    displayName: BOT_NAME,
    providers: [{ kind: ProviderKind.META, settings: { phone_number_id: env.phoneNumberId }, secrets: { access_token: env.metaAccessToken } }],
  });
  if (!response.bot?.id) throw new Error("the adapter answered ConfigureBot without a bot id");
  return response.bot.id;
}

async function seed() {
  await db.query("SELECT pg_advisory_lock(hashtext($1))", [LOCK_KEY]);
  const { rows: tenants } = await db.query(
    `INSERT INTO gateway.tenants (slug, name) VALUES ($1, $2)
     ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
     RETURNING id, settings`,
    [TENANT_SLUG, TENANT_NAME],
  );
  const tenant = tenants[0];

  // The password in the environment is the truth: a rerun with a new one replaces the old.
  await db.query(
    `INSERT INTO gateway.users (tenant_id, email, display_name, password_hash, role) VALUES ($1, $2, $3, $4, 'owner')
     ON CONFLICT (tenant_id, email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'owner', disabled_at = NULL`,
    [tenant.id, OWNER_EMAIL, "Demo owner", await hashPassword(env.ownerPassword)],
  );

  const known = typeof tenant.settings?.demoBotId === "string" ? tenant.settings.demoBotId : null;
  let botId;
  try {
    botId = await configureBot(tenant.id, known);
  } catch (error) {
    // The adapter's database was reset since the last seed: start over with a new bot.
    if (!(known && error?.kind === "not_found")) throw error;
    botId = await configureBot(tenant.id, null);
  }
  if (botId !== known) {
    await db.query(`UPDATE gateway.tenants SET settings = settings || jsonb_build_object('demoBotId', $2::text) WHERE id = $1`, [tenant.id, botId]);
  }
  return { tenantId: tenant.id, botId, ownerEmail: OWNER_EMAIL };
}

try {
  await db.connect();
  console.log(JSON.stringify(await seed()));
} catch (error) {
  // Adapter errors arrive as AppError (code, message, details); the details say which setting is wrong.
  const code = typeof error?.code === "string" ? `${error.code}: ` : "";
  const details = error?.details === undefined ? "" : ` ${JSON.stringify(error.details)}`;
  fail(`${code}${error instanceof Error ? error.message : String(error)}${details}`);
} finally {
  adapter.close();
  await db.end().catch(() => {});
}
