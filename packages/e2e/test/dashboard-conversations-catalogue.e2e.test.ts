// The conversations and catalogue pages in a real browser (Debian's Chromium through playwright-core)
// on the running fleet behind nginx. Conversations: a customer's message, sent as a signed Cloud API
// webhook, shows up live on the open page with the bot's reply; the owner pauses the bot for the
// contact (the bot stays silent) and answers as the shop, which the provider sandbox records.
// Catalogue: the owner creates a product priced as money, adjusts its stock, adds a variant, finds
// it with the shoppers' search, downloads the CSV, and imports a file whose bad row is reported with
// its line number, then the fixed file. axe-core finds no serious or critical violation on any of
// these pages. A failed test leaves a screenshot (its path is printed).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser } from "playwright-core";
import { z } from "zod";
import { ShopCustomer, eventually, dashboardPages, launchChromium, openShop, signInThroughPage, startFleet, type Fleet, type Shop } from "../src/index.js";

const SCREENSHOTS = mkdtempSync(join(tmpdir(), "dashboard-conversations-catalogue-e2e-"));
const PASSWORD = "panel-Prueba-2026-rio-luna";
const OWNER = "duena@conversa-panel.test";
const VIEWER = "lector@conversa-panel.test";

const ProductList = z.object({ items: z.array(z.object({ sku: z.string(), priceMinor: z.number(), costMinor: z.number().nullable(), stock: z.number(), keywords: z.array(z.string()), variants: z.array(z.object({ sku: z.string(), stock: z.number() })) })) });

let fleet: Fleet;
let shop: Shop;
let browser: Browser;

beforeAll(async () => {
  // One after the other: whichever fails, afterAll stops what did start.
  browser = await launchChromium();
  fleet = await startFleet({ spareNumbers: 1 });
  const [number] = fleet.spareNumbers;
  if (!number) throw new Error("the fleet has no spare number");
  shop = await openShop(fleet, { slug: "conversa-panel", name: "Conversa Panel", language: "es", number, settings: { currency: "MXN", timeZone: "America/Mexico_City" } });
  for (const [email, role] of [
    [OWNER, "owner"],
    [VIEWER, "viewer"],
  ]) {
    const created = await shop.api("POST", "/users", { email, role, password: PASSWORD, displayName: role });
    if (created.status !== 201) throw new Error(`create ${role} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

const { open: openPage, expectAccessible, screenshotOnFailure, goToSection } = dashboardPages({ browser: () => browser, baseURL: () => fleet.url, screenshots: SCREENSHOTS });

async function products(): Promise<z.infer<typeof ProductList>["items"]> {
  const answer = await shop.api("GET", "/products?limit=100");
  return ProductList.parse(answer.body).items;
}

describe("the conversations and catalogue pages in Chromium", () => {
  it("shows a customer's messages live, pauses the bot for them and sends a manual message the provider receives", async () => {
    const current = await openPage();
    await screenshotOnFailure("conversations", async () => {
      await signInThroughPage(current, OWNER, PASSWORD);
      await goToSection(current, "Conversaciones");
      await current.getByText("En vivo", { exact: true }).waitFor();
      // Without analytics storage the API keeps no history: the page says so instead of pretending.
      const history = await shop.api("GET", `/analytics/events?botId=${shop.botId}&limit=1`);
      if (history.status === 503) await current.getByText("no tiene historial de mensajes").waitFor();
      await current.getByText("Nadie ha escrito todavía").waitFor();

      const customer = new ShopCustomer(fleet, shop, "5215577003344", "Carla Ruiz");
      const [reply] = await customer.say("hola", 1);
      // The contact appears in the list with their last message, live (no reload).
      const contact = current.getByRole("button", { name: /Carla Ruiz/ });
      await contact.waitFor();
      await contact.click();
      await current.getByRole("heading", { level: 2, name: "Carla Ruiz (5215577003344)" }).waitFor();
      const thread = current.getByRole("list", { name: "Mensajes" });
      await thread.locator(".bubble-in").getByText("hola", { exact: true }).waitFor();
      expect(reply).toBeDefined();
      await eventually(async () => (await thread.locator(".bubble-out").count()) >= 1, 10_000, "the bot's reply in the thread");
      await current.getByTestId("conversation-state").getByText("El bot atiende a este contacto.").waitFor();
      await expectAccessible(current, "conversation");

      // Paused for a person: the customer's next message reaches the page, the bot does not answer it.
      await current.getByLabel("Minutos de pausa").fill("30");
      await current.getByRole("button", { name: "Pausar el bot" }).click();
      await current.getByText(/^Pausa pedida hasta/).waitFor();
      await thread.getByText("Bot en pausa para este contacto").waitFor();
      await current.getByTestId("conversation-state").getByText(/^Bot en pausa hasta/).waitFor();
      const repliesBefore = customer.replies().length;
      await customer.say("¿hay alguien ahí?", 0);
      await thread.locator(".bubble-in").getByText("¿hay alguien ahí?").waitFor();
      expect(customer.replies().length).toBe(repliesBefore);

      const manual = "Hola Carla, soy Ana de la tienda: ¿qué modelo buscas?";
      await current.getByLabel("Mensaje", { exact: true }).fill(manual);
      await current.getByRole("button", { name: "Enviar como la tienda" }).click();
      await eventually(() => customer.replies().includes(manual), 10_000, "the sandbox to record the manual message");
      await thread.locator(".bubble-staff").getByText(manual).waitFor();
      expect(await current.getByLabel("Mensaje", { exact: true }).inputValue()).toBe("");

      await current.getByRole("button", { name: "Reanudar el bot" }).click();
      await current.getByText("El bot retomará la conversación.").waitFor();
      await thread.getByText("El bot retomó la conversación").waitFor();
      await expectAccessible(current, "conversation-paused");
    });
  }, 45_000);

  it("creates a product as money, adjusts its stock, adds a variant, finds it with the shoppers' search and downloads the CSV", async () => {
    const current = await openPage();
    await screenshotOnFailure("catalogue", async () => {
      await signInThroughPage(current, OWNER, PASSWORD);
      await goToSection(current, "Catálogo");
      await current.getByText("El catálogo está vacío").waitFor();
      await expectAccessible(current, "catalogue-empty");

      await current.getByRole("link", { name: "Nuevo producto" }).click();
      await current.getByRole("heading", { level: 1, name: "Nuevo producto" }).waitFor();
      await current.getByLabel("SKU").fill("ARE-LUNA-01");
      await current.getByLabel("Nombre").fill("Aretes de plata luna");
      await current.getByLabel("Precio (MXN)").fill("349.50");
      await current.getByLabel("Costo (MXN) (opcional)").fill("120");
      await current.getByLabel("Existencias", { exact: true }).fill("5");
      await current.getByLabel("Palabras clave").fill("aretes, plata, luna");
      await current.getByLabel("Imágenes (una URL https por línea)").fill("https://img.invalid/aretes-luna.jpg");
      await expectAccessible(current, "product-new");
      await current.getByRole("button", { name: "Crear producto" }).click();

      await current.getByRole("heading", { level: 1, name: "Aretes de plata luna" }).waitFor();
      const [created] = await products();
      expect(created).toMatchObject({ sku: "ARE-LUNA-01", priceMinor: 34950, costMinor: 12000, stock: 5, keywords: ["aretes", "plata", "luna"] });

      await current.getByLabel("Unidades (+ entran, − salen)").fill("-2");
      await current.getByLabel("Motivo").fill("Venta en mostrador");
      await current.getByRole("button", { name: "Ajustar", exact: true }).click();
      await current.getByText("Existencias ahora: 3").waitFor();
      await current.getByTestId("product-stock").getByText("3", { exact: true }).waitFor();

      const variants = current.getByRole("region", { name: "Variantes" });
      await variants.getByLabel("SKU").fill("ARE-LUNA-01-CH");
      await variants.getByLabel("Talla").fill("chico");
      await variants.getByLabel("Existencias", { exact: true }).fill("2");
      await variants.getByRole("button", { name: "Agregar variante" }).click();
      await variants.getByRole("cell", { name: "ARE-LUNA-01-CH", exact: true }).waitFor();
      await expectAccessible(current, "product-edit");

      await current.getByRole("link", { name: "← Catálogo" }).click();
      await current.getByRole("link", { name: "Aretes de plata luna" }).waitFor();
      await current.getByLabel("Buscar", { exact: true }).selectOption("shopper");
      await current.getByLabel("Texto").fill("aretes plata");
      await current.getByRole("button", { name: "Buscar", exact: true }).click();
      await current.getByText(/^Entendido:/).waitFor();
      await current.getByRole("link", { name: "Aretes de plata luna" }).waitFor();
      // Money in the shop's currency, as Spanish writes it.
      await current.getByRole("cell", { name: /349,50/ }).first().waitFor();
      await expectAccessible(current, "catalogue-search");

      const [download] = await Promise.all([current.waitForEvent("download"), current.getByRole("button", { name: "Descargar CSV" }).click()]);
      expect(download.suggestedFilename()).toBe("catalogue.csv");
      const csv = readFileSync(await download.path(), "utf8");
      expect(csv).toContain("ARE-LUNA-01,Aretes de plata luna");
      expect(csv).toContain("ARE-LUNA-01-CH");
    });
  }, 45_000);

  it("reports a CSV's bad row with its line number, imports nothing, then imports the fixed file", async () => {
    const current = await openPage();
    await screenshotOnFailure("catalogue-import", async () => {
      await signInThroughPage(current, OWNER, PASSWORD);
      await goToSection(current, "Catálogo");
      await current.getByRole("link", { name: "Importar CSV" }).click();
      await current.getByRole("heading", { level: 1, name: "Importar el catálogo desde CSV" }).waitFor();
      await expectAccessible(current, "catalogue-import");

      const header = "sku,name,price,stock,keywords";
      const bad = [header, "COL-SOL-01,Collar sol,899.00,4,collar|sol", "ANI-MAR-02,Anillo mar,doce,1,anillo", "PUL-RIO-03,Pulsera río,250,7,pulsera"].join("\n");
      await current.getByLabel("Archivo CSV").setInputFiles({ name: "catalogo.csv", mimeType: "text/csv", buffer: Buffer.from(bad, "utf8") });
      const report = current.getByTestId("import-report");
      await report.getByText("«catalogo.csv» tiene problemas").waitFor();
      const row = report.getByRole("row").filter({ hasText: "INVALID_MONEY" });
      expect(await row.getByRole("cell").first().textContent()).toBe("3");
      expect(await row.getByRole("cell").nth(1).textContent()).toBe("price");
      expect(await current.getByRole("button", { name: /^Importar las/ }).count()).toBe(0);
      await expectAccessible(current, "catalogue-import-report");
      expect((await products()).map((product) => product.sku)).not.toContain("COL-SOL-01");

      const fixed = bad.replace("Anillo mar,doce", "Anillo mar,120.00");
      await current.getByLabel("Archivo CSV").setInputFiles({ name: "catalogo-corregido.csv", mimeType: "text/csv", buffer: Buffer.from(fixed, "utf8") });
      await report.getByText("«catalogo-corregido.csv» está listo para importar").waitFor();
      await current.getByRole("button", { name: "Importar las 3 filas" }).click();
      await current.getByText("Importación hecha").waitFor();
      await current.getByText("3 filas: 3 nuevas, 0 actualizadas.").waitFor();
      const skus = (await products()).map((product) => product.sku);
      expect(skus).toEqual(expect.arrayContaining(["COL-SOL-01", "ANI-MAR-02", "PUL-RIO-03"]));

      await current.getByRole("link", { name: "Ver el catálogo" }).click();
      await current.getByRole("link", { name: "Anillo mar" }).waitFor();
    });
  }, 30_000);

  it("gives a viewer the catalogue and the conversations without edit controls, at phone width", async () => {
    const current = await openPage({ width: 360, height: 740 });
    await screenshotOnFailure("viewer-phone", async () => {
      await signInThroughPage(current, VIEWER, PASSWORD);
      await current.goto("/catalogue");
      await current.getByRole("heading", { level: 1, name: "Catálogo" }).waitFor();
      await current.getByRole("link", { name: "Collar sol" }).waitFor();
      expect(await current.getByRole("link", { name: "Nuevo producto" }).count()).toBe(0);
      expect(await current.getByRole("link", { name: "Importar CSV" }).count()).toBe(0);
      await current.getByRole("button", { name: "Descargar CSV" }).waitFor();
      await expectAccessible(current, "catalogue-viewer-phone");
      await current.getByRole("link", { name: "Collar sol" }).click();
      await current.getByRole("heading", { level: 1, name: "Collar sol" }).waitFor();
      expect(await current.getByLabel("Nombre").isDisabled()).toBe(true);
      expect(await current.getByRole("button", { name: "Guardar cambios" }).count()).toBe(0);
      expect(await current.getByRole("heading", { name: "Ajustar existencias" }).count()).toBe(0);

      await current.goto("/catalogue/import");
      await current.getByRole("heading", { level: 1, name: "Catálogo" }).waitFor();
      await current.goto(`/conversations?bot=${shop.botId}&contact=5215577003344`);
      await current.getByRole("heading", { level: 2, name: /5215577003344/ }).waitFor();
      expect(await current.getByRole("button", { name: "Enviar como la tienda" }).count()).toBe(0);
      expect(await current.getByRole("button", { name: "Pausar el bot" }).count()).toBe(0);
      await expectAccessible(current, "conversations-viewer-phone");
    });
  }, 30_000);
});
