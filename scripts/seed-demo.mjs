#!/usr/bin/env node
// Seeds the local demo through the gateway's API, idempotently, as a shop
// owner would: registers the shop `demo-shop` and its owner `owner@demo.shop`
// (or signs in when it exists), then creates the demo bot on the sandbox's
// Cloud API number (or updates the bot of that name). Run from the repo root
// with the fleet running:
//   DEMO_OWNER_PASSWORD=... DEMO_PHONE_NUMBER_ID=... DEMO_META_ACCESS_TOKEN=... node scripts/seed-demo.mjs
// Prints one JSON line: {"tenantId","botId","ownerEmail"}.
const TENANT_SLUG = "demo-shop";
const TENANT_NAME = "Demo Shop";
const OWNER_EMAIL = "owner@demo.shop";
const BOT_NAME = "Demo Shop bot";

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
  gatewayUrl: (process.env.GATEWAY_URL || "http://127.0.0.1:3000").replace(/\/+$/, ""),
  ownerPassword: required("DEMO_OWNER_PASSWORD", (v) => v.length >= 12, "must be at least 12 characters; generate one, there is no default"),
  phoneNumberId: required("DEMO_PHONE_NUMBER_ID", (v) => /^\d{5,20}$/.test(v), "must be the Meta phone number id (digits)"),
  metaAccessToken: required("DEMO_META_ACCESS_TOKEN", null, "the Meta (or sandbox) access token of the demo number"),
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

async function seed() {
  const session = await signIn();
  const token = session.accessToken;
  const bot = { displayName: BOT_NAME, providers: [{ kind: "meta", settings: { phone_number_id: env.phoneNumberId }, secrets: { access_token: env.metaAccessToken } }] };
  const listed = await call("GET", "/bots?pageSize=100", undefined, token);
  if (listed.status !== 200) fail(explain("list bots", listed));
  const existing = listed.json.bots.find((b) => b.displayName === BOT_NAME);
  const saved = existing ? await call("PUT", `/bots/${existing.id}`, bot, token) : await call("POST", "/bots", bot, token);
  if (saved.status !== 200 && saved.status !== 201) fail(explain("save bot", saved));
  return { tenantId: session.user.tenantId, botId: saved.json.id, ownerEmail: OWNER_EMAIL };
}

try {
  console.log(JSON.stringify(await seed()));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
