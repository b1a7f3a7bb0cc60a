// The dashboard in a real browser (Debian's Chromium, headless, through playwright-core) against the
// running fleet behind nginx, which serves the built app (packages/dashboard/dist) at /: a shop
// registers and creates a bot through the pages, the analytics page shows the API's KPIs after a
// customer wrote, a viewer gets no edit controls, and axe-core finds no serious or critical
// accessibility violation on any page. A failed test leaves a screenshot (its path is printed).
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { z } from "zod";
import { createEvolutionSandbox, silentLogger, type EvolutionSandbox } from "@fleet/provider-sandbox";
import { listen, type Listening } from "@fleet/testing";
import { ShopCustomer, eventually, openShop, startFleet, type Fleet, type Shop } from "../src/index.js";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const SCREENSHOTS = mkdtempSync(join(tmpdir(), "dashboard-e2e-"));
const PASSWORD = "panel-Prueba-2026-rio-luna";
const EVOLUTION_API_KEY = "evolution-sandbox-key-for-the-dashboard";

/** The Spanish labels of the connection states (the browser's language is Spanish). */
const CONNECTION_ES: Record<string, string> = {
  connected: "Conectado",
  connecting: "Conectando",
  awaiting_pairing: "Esperando vinculación",
  needs_link: "Hay que vincular",
  disconnected: "Desconectado",
  misconfigured: "Mal configurado",
};

const Violations = z.array(z.object({ id: z.string(), impact: z.string().nullable(), help: z.string(), nodes: z.number() }));
const Metrics = z.object({ messagesIn: z.number(), messagesOut: z.number(), conversations: z.number(), orders: z.number() });

let fleet: Fleet;
let shop: Shop;
/** An Evolution API fake: its bots wait for a phone to scan their QR code. */
let evolution: EvolutionSandbox;
let evolutionServer: Listening | undefined;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page | undefined;
/** The owner who registers through the pages, and the bot they create. */
const owner = { slug: "panel-nuevo", email: "duena@panel-nuevo.test" };

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  // One after the other: whichever fails, afterAll stops what did start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  // Its webhooks (QR updates) go nowhere here: one quick try each, so no retry outlives the file.
  evolution = createEvolutionSandbox({ globalApiKey: EVOLUTION_API_KEY, logger: silentLogger, webhookRetry: { attempts: 1, timeoutMs: 1000 } });
  evolutionServer = await listen(evolution.app);
  fleet = await startFleet({ spareNumbers: 2, env: { "whatsapp-adapter": { EVOLUTION_ALLOWED_HOSTS: "127.0.0.1", PROVIDER_ALLOW_HTTP: "true" } } });
  const [shopNumber] = fleet.spareNumbers;
  if (!shopNumber) throw new Error("the fleet has no spare numbers");
  shop = await openShop(fleet, { slug: "joyeria-panel", name: "Joyería Panel", language: "es", number: shopNumber, settings: { timeZone: "America/Mexico_City", currency: "MXN" } });
  for (const [email, role] of [
    ["admin@joyeria-panel.test", "admin"],
    ["lector@joyeria-panel.test", "viewer"],
  ]) {
    const created = await shop.api("POST", "/users", { email, role, password: PASSWORD, displayName: role });
    if (created.status !== 201) throw new Error(`create ${role} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
  await evolution?.settled();
  await evolutionServer?.close();
});

/** A fresh browser session (no cookies) in Spanish, at phone width when asked. */
async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  await context?.close();
  context = await browser.newContext({ locale: "es-MX", viewport, baseURL: fleet.url });
  // Shorter than the tests' own timeouts, so a missing element fails with its name and a screenshot.
  context.setDefaultTimeout(8000);
  page = await context.newPage();
  return page;
}

/** Runs axe-core on the page; fails with the serious and critical violations, after a screenshot. */
async function expectAccessible(current: Page, name: string): Promise<void> {
  await current.addScriptTag({ content: AXE_SOURCE });
  const found = Violations.parse(
    await current.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.length })))"),
  );
  const blocking = found.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  if (blocking.length > 0) {
    const path = join(SCREENSHOTS, `axe-${name}.png`);
    await current.screenshot({ path, fullPage: true });
    console.log(`dashboard screenshot (${name}): ${path}`);
  }
  expect({ page: name, violations: blocking }).toEqual({ page: name, violations: [] });
}

async function screenshotOnFailure<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (page && !page.isClosed()) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true }).catch(() => undefined);
      console.log(`dashboard screenshot (${name}): ${path}`);
    }
    throw error;
  }
}

async function signIn(current: Page, email: string): Promise<void> {
  await current.goto("/login");
  await current.getByLabel("Correo electrónico").fill(email);
  await current.getByLabel("Contraseña").fill(PASSWORD);
  await current.getByRole("button", { name: "Entrar" }).click();
  await current.getByRole("heading", { level: 1, name: "Bots" }).waitFor();
}

async function apiAs(email: string): Promise<(path: string) => Promise<unknown>> {
  const login = await fetch(`${fleet.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: PASSWORD }) });
  const { accessToken } = z.object({ accessToken: z.string() }).parse(await login.json());
  return async (path) => (await fetch(`${fleet.url}/api${path}`, { headers: { authorization: `Bearer ${accessToken}` } })).json();
}

describe("the dashboard in Chromium", () => {
  it("registers a shop from the register page, keeps the session across a reload, and creates a bot whose connection state shows", async () => {
    const current = await openPage();
    await screenshotOnFailure("register-and-create-bot", async () => {
      await current.goto("/");
      await current.getByRole("heading", { level: 1, name: "Iniciar sesión" }).waitFor();
      // A figure, not an assertion: how long the first page took to show its form (cold cache).
      console.log(`dashboard: login form shown ${Math.round(Number(await current.evaluate("performance.now()")))} ms after navigation start`);
      await expectAccessible(current, "login");
      await current.getByRole("link", { name: "Registra tu tienda" }).click();
      await current.getByRole("heading", { level: 1, name: "Registra tu tienda" }).waitFor();
      await expectAccessible(current, "register");
      await current.getByLabel("Nombre de la tienda").fill("Panel Nuevo");
      expect(await current.getByLabel("Identificador de la tienda").inputValue()).toBe(owner.slug);
      await current.getByLabel("Tu nombre").fill("Dueña");
      await current.getByLabel("Correo electrónico").fill(owner.email);
      await current.getByLabel("Contraseña").fill(PASSWORD);
      await current.getByRole("button", { name: "Registrar" }).click();

      await current.getByRole("heading", { level: 1, name: "Bots" }).waitFor();
      await current.getByText("Aún no hay bots").waitFor();
      await expectAccessible(current, "bots-empty");
      // The access token is in memory only: after a reload the session comes back through the refresh cookie.
      await current.reload();
      await current.getByRole("heading", { level: 1, name: "Bots" }).waitFor();

      const [botNumber] = fleet.spareNumbers.slice(1);
      if (!botNumber) throw new Error("the fleet has no second spare number");
      await current.getByRole("link", { name: "Nuevo bot" }).click();
      await current.getByRole("heading", { level: 1, name: "Nuevo bot" }).waitFor();
      await expectAccessible(current, "bot-create");
      await current.getByLabel("Nombre", { exact: true }).fill("Bot de mostrador");
      await current.getByLabel("phone_number_id").fill(botNumber.phoneNumberId);
      await current.getByLabel("access_token").fill(botNumber.accessToken);
      await current.getByRole("button", { name: "Crear bot" }).click();

      await current.getByRole("heading", { level: 1, name: "Bot de mostrador" }).waitFor();
      const botId = current.url().split("/bots/")[1] ?? "";
      const api = await apiAs(owner.email);
      const { state } = z.object({ state: z.string() }).parse(await api(`/bots/${botId}/connection`));
      const expected = CONNECTION_ES[state];
      if (!expected) throw new Error(`unknown connection state ${state}`);
      await current.getByTestId("connection-state").getByText(expected, { exact: true }).waitFor();
      // The secret was written, never shown back.
      expect(await current.getByText(botNumber.accessToken).count()).toBe(0);
      await current.getByText("guardado (no se muestra)").waitFor();
      await expectAccessible(current, "bot-detail");

      await current.getByRole("link", { name: "← Bots" }).click();
      await current.getByRole("link", { name: "Bot de mostrador" }).waitFor();
      await expectAccessible(current, "bots-list");
    });
  }, 45_000);

  it("shows the API's KPIs on the analytics page after a customer wrote, and switches to English", async () => {
    const customer = new ShopCustomer(fleet, shop, "5215577001122", "Ana López");
    await customer.say("hola", 2);
    const current = await openPage();
    await screenshotOnFailure("analytics", async () => {
      await signIn(current, "admin@joyeria-panel.test");
      await current.getByRole("navigation", { name: "Secciones" }).getByRole("link", { name: "Analítica" }).click();
      await current.getByRole("heading", { level: 1, name: "Analítica" }).waitFor();
      const api = await apiAs("admin@joyeria-panel.test");
      const cardValue = async (kpi: string) => (await current.locator(`[data-kpi="${kpi}"] dd`).textContent()) ?? "";
      // The worker folds events asynchronously (and "kpis" frames update the page): wait until both agree.
      let last = "";
      await eventually(
        async () => {
          const metrics = Metrics.parse(await api("/analytics/metrics?range=24h"));
          const shown = { messagesIn: await cardValue("messagesIn"), messagesOut: await cardValue("messagesOut"), conversations: await cardValue("conversations"), orders: await cardValue("orders") };
          const wanted = { messagesIn: String(metrics.messagesIn), messagesOut: String(metrics.messagesOut), conversations: String(metrics.conversations), orders: String(metrics.orders) };
          last = JSON.stringify({ shown, wanted });
          return metrics.messagesIn >= 1 && metrics.messagesOut >= 2 && JSON.stringify(shown) === JSON.stringify(wanted);
        },
        20_000,
        "the KPI cards to show the API's numbers",
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}: ${last}`);
      });
      for (const label of ["Mensajes recibidos", "Mensajes enviados", "Tasa de error", "Respuesta promedio", "Respuesta p90", "Conversaciones", "Conversión", "Pedidos", "Ventas"]) {
        await current.getByText(label, { exact: true }).first().waitFor();
      }
      await current.getByText("Mensajes por hora").waitFor();
      await expectAccessible(current, "analytics");

      // Live: the next message reaches the open page over the WebSocket ("kpis" and "event" frames), no reload.
      const before = Number(await cardValue("messagesIn"));
      await customer.say("menú", 1);
      await eventually(async () => Number(await cardValue("messagesIn")) === before + 1, 15_000, "the KPI card to count the new message live");
      await current.getByRole("region", { name: "Actividad en vivo" }).getByText("message.received").first().waitFor();

      await current.getByLabel("Idioma").selectOption("en");
      await current.getByRole("heading", { level: 1, name: "Analytics" }).waitFor();
      expect(await current.evaluate("document.documentElement.lang")).toBe("en");
      await current.getByRole("button", { name: "7 days" }).click();
      await current.getByText("Messages per day").waitFor();
    });
  }, 45_000);

  it("shows the QR code of a bot waiting to be linked, with the pairing-code form", async () => {
    const current = await openPage();
    await screenshotOnFailure("bot-qr", async () => {
      await signIn(current, "admin@joyeria-panel.test");
      await current.getByRole("link", { name: "Nuevo bot" }).click();
      await current.getByLabel("Nombre", { exact: true }).fill("Bot por QR");
      await current.getByLabel("Proveedor", { exact: true }).selectOption("evolution");
      await current.getByLabel("base_url").fill(evolutionServer?.url ?? "");
      await current.getByLabel("instance").fill("panel-qr");
      await current.getByLabel("api_key").fill(EVOLUTION_API_KEY);
      await current.getByRole("button", { name: "Crear bot" }).click();
      await current.getByRole("heading", { level: 1, name: "Bot por QR" }).waitFor();
      await current.getByTestId("connection-state").getByText("Esperando vinculación", { exact: true }).waitFor();
      const qr = current.getByRole("img", { name: "Código QR para vincular el bot con WhatsApp" });
      await qr.waitFor();
      // The PNG was fetched with the Bearer token and decoded: it has a size.
      await eventually(async () => Number(await current.evaluate("document.querySelector('img.qr')?.naturalWidth ?? 0")) > 0, 5000, "the QR image to load");
      await current.getByLabel("O vincula con un código: número del teléfono").waitFor();
      await expectAccessible(current, "bot-qr");
    });
  }, 30_000);

  it("gives a viewer the bots without edit controls, and every section a page, at phone width", async () => {
    const current = await openPage({ width: 375, height: 740 });
    await screenshotOnFailure("viewer-phone", async () => {
      await signIn(current, "lector@joyeria-panel.test");
      await current.getByRole("link", { name: "Joyería Panel bot" }).waitFor();
      expect(await current.getByRole("link", { name: "Nuevo bot" }).count()).toBe(0);
      await current.getByRole("link", { name: "Joyería Panel bot" }).click();
      await current.getByTestId("connection-state").waitFor();
      expect(await current.getByRole("heading", { name: "Vincular WhatsApp" }).count()).toBe(0);
      // A viewer who types the address of the form is sent back to the list.
      await current.goto("/bots/new");
      await current.getByRole("heading", { level: 1, name: "Bots" }).waitFor();

      // At phone width the sections are behind the menu button, reachable with the keyboard.
      const menu = current.getByRole("button", { name: "Menú" });
      await menu.focus();
      await current.keyboard.press("Enter");
      expect(await menu.getAttribute("aria-expanded")).toBe("true");
      await current.getByRole("link", { name: "Pedidos" }).click();
      await current.getByRole("heading", { level: 1, name: "Pedidos" }).waitFor();
      await expectAccessible(current, "orders-viewer-phone");

      // Signing out ends the session: a reload does not bring it back.
      await current.getByRole("button", { name: "Cerrar sesión" }).click();
      await current.getByRole("heading", { level: 1, name: "Iniciar sesión" }).waitFor();
      await current.reload();
      await current.getByRole("heading", { level: 1, name: "Iniciar sesión" }).waitFor();
    });
  }, 30_000);
});
