#!/usr/bin/env node
// Seeds the local demo through the gateway's API, idempotently, as a shop
// owner would: registers the shop `demo-shop` and its owner `owner@demo.shop`
// (or signs in when it exists), then creates the demo bot on the provider
// DEMO_PROVIDER names (meta by default; official, twilio or evolution), played
// by the provider sandbox (or updates the bot of that name). With Evolution,
// it then plays the owner's phone scanning the instance's QR code, unless the
// instance is linked already. Then the shop itself: settings (Mexico City, MXN, Spanish, opening
// hours), the demo jewellery catalogue, two sellers (one a supervisor) and the default flows — each
// created only when missing. Run from
// the repo root with the fleet running (and the gateway built: the catalogue comes from its dist):
//   DEMO_OWNER_PASSWORD=... DEMO_PHONE_NUMBER_ID=... DEMO_META_ACCESS_TOKEN=... node scripts/seed-demo.mjs
//   DEMO_PROVIDER=official DEMO_D360_PHONE_NUMBER_ID=... DEMO_D360_API_KEY=... (and the password)
//   DEMO_PROVIDER=twilio DEMO_TWILIO_ACCOUNT_SID=... DEMO_TWILIO_NUMBER=... DEMO_TWILIO_AUTH_TOKEN=...
//   DEMO_PROVIDER=evolution DEMO_EVOLUTION_BASE_URL=... DEMO_EVOLUTION_API_KEY=...
// Prints one JSON line: {"tenantId","botId","ownerEmail","provider"}.
const TENANT_SLUG = "demo-shop";
const TENANT_NAME = "Demo Shop";
const OWNER_EMAIL = "owner@demo.shop";
const BOT_NAME = "Demo Shop bot";
const EVOLUTION_INSTANCE = "demo-shop";

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

/** The demo bot's provider entry, from the env of the chosen provider only. */
const PROVIDERS = {
  meta: () => ({
    kind: "meta",
    settings: { phone_number_id: required("DEMO_PHONE_NUMBER_ID", (v) => /^\d{5,20}$/.test(v), "must be the Meta phone number id (digits)") },
    secrets: { access_token: required("DEMO_META_ACCESS_TOKEN", null, "the Meta (or sandbox) access token of the demo number") },
  }),
  official: () => ({
    kind: "official",
    settings: { phone_number_id: required("DEMO_D360_PHONE_NUMBER_ID", (v) => /^\d{5,20}$/.test(v), "must be the BSP's phone number id (digits)") },
    secrets: { api_key: required("DEMO_D360_API_KEY", null, "the BSP (or sandbox) API key of the demo number") },
  }),
  twilio: () => ({
    kind: "twilio",
    settings: {
      account_sid: required("DEMO_TWILIO_ACCOUNT_SID", (v) => /^AC[0-9a-fA-F]{32}$/.test(v), "must be an account SID (AC + 32 hex digits)"),
      from_number: required("DEMO_TWILIO_NUMBER", (v) => /^\+\d{7,15}$/.test(v), "must be the WhatsApp sender number in E.164 (+15550001111)"),
    },
    secrets: { auth_token: required("DEMO_TWILIO_AUTH_TOKEN", null, "the Twilio (or sandbox) auth token of the account") },
  }),
  evolution: () => ({
    kind: "evolution",
    settings: {
      base_url: required("DEMO_EVOLUTION_BASE_URL", (v) => URL.canParse(v), "must be the Evolution API server's URL (the sandbox's Evolution fake)").replace(/\/+$/, ""),
      instance: EVOLUTION_INSTANCE,
    },
    secrets: { api_key: required("DEMO_EVOLUTION_API_KEY", null, "the Evolution API (or sandbox) API key") },
  }),
};

const providerName = process.env.DEMO_PROVIDER || "meta";
if (!Object.hasOwn(PROVIDERS, providerName)) fail(`DEMO_PROVIDER must be one of ${Object.keys(PROVIDERS).join(", ")}, got '${providerName}'`);

const env = {
  gatewayUrl: (process.env.GATEWAY_URL || "http://127.0.0.1:3000").replace(/\/+$/, ""),
  ownerPassword: required("DEMO_OWNER_PASSWORD", (v) => v.length >= 12, "must be at least 12 characters; generate one, there is no default"),
  provider: PROVIDERS[providerName](),
};

async function call(method, path, body, token) {
  const response = await fetch(`${env.gatewayUrl}/api${path}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, json };
}

function explain(what, { status, json }) {
  const error = json?.error;
  return `${what} answered ${status}${error ? ` ${error.code}: ${error.message}${error.details ? ` ${JSON.stringify(error.details)}` : ""}` : ""}`;
}

async function signIn() {
  const registered = await call("POST", "/auth/register", { tenantName: TENANT_NAME, tenantSlug: TENANT_SLUG, email: OWNER_EMAIL, password: env.ownerPassword, displayName: "Demo owner" });
  if (registered.status === 201) return registered.json;
  if (registered.json?.error?.code !== "SLUG_TAKEN") fail(explain("register", registered));
  const login = await call("POST", "/auth/login", { email: OWNER_EMAIL, password: env.ownerPassword, tenant: TENANT_SLUG });
  if (login.status !== 200) fail(`${explain("login", login)} (the demo database has another owner password: restore DEMO_OWNER_PASSWORD in .run/local.env or drop the database)`);
  return login.json;
}

async function connectionOf(botId, token) {
  const connection = await call("GET", `/bots/${botId}/connection`, undefined, token);
  if (connection.status !== 200) fail(explain("bot connection", connection));
  return connection.json;
}

/**
 * Saving the bot made the adapter create its Evolution instance, waiting for a phone to scan
 * its QR code: the owner opens the bot's connection (which shows the code), and the fake's
 * control endpoint plays the phone scanning it.
 */
async function linkEvolutionInstance(botId, token) {
  const before = await connectionOf(botId, token);
  if (before.state === "connected") return;
  if (before.state !== "awaiting_pairing") fail(`the bot's Evolution instance is ${before.state}${before.detail ? ` (${before.detail})` : ""}, not showing a QR code to scan`);
  const url = `${env.provider.settings.base_url}/_sandbox/evolution/instances/${EVOLUTION_INSTANCE}/link`;
  const linked = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ profileName: TENANT_NAME }) });
  if (!linked.ok) fail(`linking the Evolution instance answered ${linked.status}: ${await linked.text()}`);
  const after = await connectionOf(botId, token);
  if (after.state !== "connected") fail(`the bot's Evolution instance is ${after.state} after its QR code was scanned`);
  console.error(`seed-demo: linked the Evolution instance ${EVOLUTION_INSTANCE} (played the shop owner's phone scanning its QR code)`);
}

const OPENING_HOURS = [1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, ranges: [{ open: "10:00", close: "19:00" }] })).concat([{ weekday: 7, ranges: [] }]);
const SELLERS = [
  { name: "Ana Torres", phone: "5215511110001", specialty: "anillos", status: "online", maxConcurrentCustomers: 5 },
  { name: "Luis Méndez", phone: "5215511110002", specialty: "", status: "online", maxConcurrentCustomers: 5, supervisor: true },
];

/** The shop's settings, its catalogue and its sellers, as the owner would enter them. */
async function seedShop(token) {
  const settings = await call("PATCH", "/settings", { timeZone: "America/Mexico_City", currency: "MXN", language: "es", businessHours: OPENING_HOURS, taxRateBps: 1600 }, token);
  if (settings.status !== 200) fail(explain("settings", settings));
  const { DEMO_CATALOGUE } = await import(new URL("../services/gateway/dist/modules/catalogue/catalogue.seed.js", import.meta.url).href);
  for (const product of DEMO_CATALOGUE) {
    const created = await call("POST", "/products", product, token);
    if (created.status !== 201 && created.json?.error?.code !== "SKU_TAKEN") fail(explain(`product ${product.sku}`, created));
  }
  const sellers = await call("GET", "/sellers?limit=100", undefined, token);
  if (sellers.status !== 200) fail(explain("list sellers", sellers));
  for (const seller of SELLERS) {
    if (sellers.json.items.some((s) => s.phone === seller.phone)) continue;
    const created = await call("POST", "/sellers", seller, token);
    if (created.status !== 201) fail(explain(`seller ${seller.name}`, created));
  }
}

async function seed() {
  const session = await signIn();
  const token = session.accessToken;
  const bot = { displayName: BOT_NAME, providers: [env.provider] };
  const listed = await call("GET", "/bots?pageSize=100", undefined, token);
  if (listed.status !== 200) fail(explain("list bots", listed));
  const existing = listed.json.bots.find((b) => b.displayName === BOT_NAME);
  const saved = existing ? await call("PUT", `/bots/${existing.id}`, bot, token) : await call("POST", "/bots", bot, token);
  if (saved.status !== 200 && saved.status !== 201) fail(explain("save bot", saved));
  // The adapter sets the bot up with the provider as it saves it (webhook, instance); a refusal shows here.
  if (saved.json.connection?.state === "misconfigured") fail(`the bot was saved, but ${providerName} refused it: ${saved.json.connection.detail ?? "no detail"}`);
  if (env.provider.kind === "evolution") await linkEvolutionInstance(saved.json.id, token);
  await seedShop(token);
  // New shops get the default flows at sign-up; a demo database from before has them installed now (flows it has are kept).
  const flows = await call("POST", "/flows/defaults", {}, token);
  if (flows.status !== 200) fail(explain("default flows", flows));
  return { tenantId: session.user.tenantId, botId: saved.json.id, ownerEmail: OWNER_EMAIL, provider: providerName };
}

try {
  console.log(JSON.stringify(await seed()));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
