#!/usr/bin/env node
// The README's screenshots of the dashboard (a script, not a test): starts a fleet through the e2e
// kit (the services, nginx serving the built dashboard, the provider sandbox), opens a demo shop
// with sellers, products, a few customers who wrote and a bot waiting for its QR to be scanned,
// signs in with Chromium (the same launch as the browser tests) and saves a PNG of each page that
// exists at desktop width (1280×800), in English, into docs/screenshots/. A section that still
// shows the "coming soon" page is skipped and named.
//
//   node scripts/dashboard-screenshots.mjs [--out docs/screenshots]
//
// Needs a build (pnpm build: the services, the e2e kit and the dashboard) and local Postgres/Redis.
import { randomBytes } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, ShopCustomer, eventually, launchChromium, newDashboardContext, openShop, signInThroughPage, startFleet } from "@fleet/e2e";
import { createEvolutionSandbox, silentLogger } from "@fleet/provider-sandbox";
import { listen } from "@fleet/testing";

const { values } = parseArgs({ options: { out: { type: "string", default: join(ROOT, "docs/screenshots") } } });
const OUT = resolve(values.out);
const VIEWPORT = { width: 1280, height: 800 };
/** Above this a PNG makes the README heavy: the script says so. */
const MAX_BYTES = 200 * 1024;
const EVOLUTION_API_KEY = `evolution-demo-${randomBytes(8).toString("hex")}`;
const PASSWORD = `demo-${randomBytes(9).toString("hex")}-luna`;
const OWNER = { email: "lucia@joyeria-luna.test", displayName: "Lucía Méndez" };

const image = (sku) => `https://cdn.joyeria-luna.test/${sku}.jpg`;

let browser;
let fleet;
let evolution;
let evolutionServer;

async function demoShop() {
  evolution = createEvolutionSandbox({ globalApiKey: EVOLUTION_API_KEY, logger: silentLogger, webhookRetry: { attempts: 1, timeoutMs: 1000 } });
  evolutionServer = await listen(evolution.app);
  fleet = await startFleet({ spareNumbers: 1, env: { "whatsapp-adapter": { EVOLUTION_ALLOWED_HOSTS: "127.0.0.1", PROVIDER_ALLOW_HTTP: "true" } } });
  const [number] = fleet.spareNumbers;
  const shop = await openShop(fleet, {
    slug: "joyeria-luna",
    name: "Joyería Luna",
    language: "es",
    number,
    settings: { timeZone: "America/Mexico_City", currency: "MXN", taxRateBps: 1600 },
    sellers: [
      { name: "Ana Torres", phone: "5215511110001" },
      { name: "Beto Ruiz", phone: "5215511110002", supervisor: true },
    ],
    products: [
      { sku: "AN-PLA-001", name: "Anillo de plata 925 liso", category: "anillos", material: "plata", priceMinor: 45_000, stock: 25, imageUrls: [image("an-pla-001")], keywords: ["anillo", "plata"] },
      { sku: "AN-ORO-001", name: "Anillo de compromiso oro 14k", category: "anillos", material: "oro", priceMinor: 899_000, stock: 3, keywords: ["anillo", "compromiso"] },
      { sku: "CA-PLA-001", name: "Cadena de plata 925 veneciana", category: "cadenas", material: "plata", priceMinor: 38_000, stock: 30, keywords: ["cadena", "collar"] },
    ],
  });
  const users = [
    { ...OWNER, role: "owner" },
    { email: "ana@joyeria-luna.test", displayName: "Ana Torres", role: "agent" },
    { email: "contador@joyeria-luna.test", displayName: "Carlos Vega", role: "viewer" },
  ];
  for (const user of users) {
    const created = await shop.api("POST", "/users", { ...user, password: PASSWORD });
    if (created.status !== 201) throw new Error(`create ${user.email} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  const bot = await shop.api("POST", "/bots", {
    displayName: "WhatsApp Web (scan me)",
    providers: [{ kind: "evolution", settings: { base_url: evolutionServer.url, instance: "luna-demo" }, secrets: { api_key: EVOLUTION_API_KEY } }],
  });
  if (bot.status !== 201) throw new Error(`create the QR bot answered ${bot.status}: ${JSON.stringify(bot.body)}`);
  const customers = [
    new ShopCustomer(fleet, shop, "5215577001122", "Ana López"),
    new ShopCustomer(fleet, shop, "5215577003344", "Jorge Pérez"),
    new ShopCustomer(fleet, shop, "5215577005566", "María Ruiz"),
  ];
  for (const customer of customers) await customer.say("hola", 1);
  await customers[0].say("menú", 1);
  // Two orders taken from the dashboard, one of them confirmed: the orders page and the sales KPIs have something to show.
  const products = await shop.api("GET", "/products");
  const idOf = (sku) => String(products.body.items.find((product) => product.sku === sku)?.id);
  const orders = [
    { whatsappId: customers[0].phone, customerName: "Ana López", lines: [{ productId: idOf("AN-PLA-001"), quantity: 2 }], paymentMethod: "transfer" },
    { whatsappId: customers[1].phone, customerName: "Jorge Pérez", lines: [{ productId: idOf("CA-PLA-001"), quantity: 1 }], deliveryMethod: "delivery", deliveryAddress: "Av. Reforma 222, CDMX" },
  ];
  const created = [];
  for (const order of orders) {
    const answer = await shop.api("POST", "/orders", order);
    if (answer.status !== 201) throw new Error(`create an order answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    created.push(String(answer.body.id));
  }
  const confirmed = await shop.api("POST", `/orders/${created[0]}/status`, { status: "confirmed" });
  if (confirmed.status !== 200) throw new Error(`confirm an order answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
  // The worker folds the events asynchronously: wait until the KPIs count every message.
  await eventually(
    async () => {
      const metrics = await shop.api("GET", "/analytics/metrics?range=24h");
      return metrics.status === 200 && metrics.body.messagesIn >= 4;
    },
    20_000,
    "the analytics to count the customers' messages",
  );
  return { botId: String(bot.body.id) };
}

async function save(page, name) {
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  const bytes = statSync(path).size;
  console.log(`${relative(ROOT, path)}  ${Math.round(bytes / 1024)} KB${bytes > MAX_BYTES ? "  (over 200 KB)" : ""}`);
}

/** Waits for the page's requests to settle and its charts to finish their entry animation. */
async function settle(page) {
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(1500);
}

try {
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
  const { botId } = await demoShop();
  const context = await newDashboardContext(browser, { baseURL: fleet.url, viewport: VIEWPORT, timeoutMs: 15_000 });
  const page = await context.newPage();
  await signInThroughPage(page, OWNER.email, PASSWORD);
  // The README is in English: the user's language switch (kept in this browser for the next pages).
  await page.getByLabel("Idioma").selectOption("en");
  await page.getByRole("heading", { level: 1, name: "Bots" }).waitFor();
  await settle(page);
  await save(page, "bots");

  await page.goto(`/bots/${botId}`);
  await page.getByRole("img", { name: "QR code to link the bot with WhatsApp" }).waitFor();
  await page.waitForFunction("(document.querySelector('img.qr')?.naturalWidth ?? 0) > 0");
  await settle(page);
  await save(page, "bot-qr");

  const sections = await page
    .getByRole("navigation", { name: "Sections" })
    .getByRole("link")
    .evaluateAll((links) => links.map((link) => link.getAttribute("href") ?? ""));
  const skipped = [];
  for (const href of sections) {
    const section = href.replace(/^\//, "");
    if (section === "bots" || section === "") continue;
    await page.goto(href);
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    await settle(page);
    if ((await page.getByText("This part of the dashboard is not ready yet").count()) > 0) {
      skipped.push(section);
      continue;
    }
    await save(page, section);
  }
  if (skipped.length > 0) console.log(`not built yet (no screenshot): ${skipped.join(", ")}`);
} finally {
  await browser?.close();
  await fleet?.stop();
  await evolution?.settled();
  await evolutionServer?.close();
}
