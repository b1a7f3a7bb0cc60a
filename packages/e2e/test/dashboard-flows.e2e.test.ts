// The flows pages in a real browser (Debian's Chromium through playwright-core) on the running fleet
// behind nginx: the shop's owner opens a default flow, sees its graph, breaks the JSON and sees each
// problem at its place (the list with its path, the step's node marked, the editor's line
// selected), fixes it, saves a draft, activates it after confirming, and plays the customer in the
// simulator ("hola" → the menu, a tap on a row, the clock fast-forwarded to a timer); a viewer reads and simulates without edit
// controls, at phone width. axe-core finds no serious or critical violation on the pages. A failed
// test leaves a screenshot (its path is printed).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { z } from "zod";
import { eventually, dashboardPages, launchChromium, openShop, signInThroughPage, startFleet, type Fleet, type Shop } from "../src/index.js";

const SCREENSHOTS = mkdtempSync(join(tmpdir(), "dashboard-flows-e2e-"));
const PASSWORD = "flujos-Prueba-2026-sol-mar";
const OWNER = { email: "duena@flujos-panel.test", name: "Dueña Flujos" };
const VIEWER = { email: "lector@flujos-panel.test", name: "Lector Flujos" };
/** The default main flow's name in Spanish (services/bot-orchestrator/src/flows/defaults/texts.es.ts). */
const WELCOME = "Bienvenida y menú";
const MENU_TEXT = "¿En qué te puedo ayudar? Elige una opción o escribe su número 👇";
const EDITED_MENU_TEXT = "¿En qué te ayudo hoy? Elige una opción 👇";

const FlowList = z.object({ flows: z.array(z.object({ id: z.string(), slug: z.string(), botId: z.string().nullable(), activeVersion: z.number().nullable(), latestVersion: z.number() })) });

let fleet: Fleet;
let shop: Shop;
let browser: Browser;

beforeAll(async () => {
  // One after the other: whichever fails, afterAll stops what did start.
  browser = await launchChromium();
  fleet = await startFleet({ spareNumbers: 1 });
  const [number] = fleet.spareNumbers;
  if (!number) throw new Error("the fleet has no spare number");
  shop = await openShop(fleet, { slug: "flujos-panel", name: "Flujos Panel", language: "es", number });
  // The shop's first owner signed up through the API with a password nobody knows: a second owner signs in here.
  for (const [user, role] of [
    [OWNER, "owner"],
    [VIEWER, "viewer"],
  ] as const) {
    const created = await shop.api("POST", "/users", { email: user.email, displayName: user.name, role, password: PASSWORD });
    if (created.status !== 201) throw new Error(`create ${role} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

const { open: openPage, expectAccessible, screenshotOnFailure } = dashboardPages({ browser: () => browser, baseURL: () => fleet.url, screenshots: SCREENSHOTS });

async function openWelcomeFlow(current: Page): Promise<void> {
  await current.getByRole("navigation", { name: "Secciones" }).getByRole("link", { name: "Flujos" }).click();
  await current.getByRole("heading", { level: 1, name: "Flujos" }).waitFor();
  await current.getByRole("heading", { level: 2, name: "Flujos de la tienda (predeterminados)" }).waitFor();
  await current.getByRole("link", { name: WELCOME }).click();
  await current.getByRole("heading", { level: 1, name: WELCOME }).waitFor();
  // The graph: the triggers' node and the steps of the document.
  await current.locator('.react-flow__node[data-id="menu"]').waitFor();
  await current.locator('.react-flow__node[data-id="greet"]').waitFor();
}

/** The editor's text, replaced as a user pasting would (the whole document). */
async function editJson(current: Page, change: (text: string) => string): Promise<void> {
  const editor = current.getByRole("textbox", { name: /^Documento JSON/ });
  const before = await editor.inputValue();
  const after = change(before);
  if (after === before) throw new Error("the edit changed nothing");
  await editor.fill(after);
}

describe("the flows pages in Chromium", () => {
  it("lets the owner find a problem at its place, fix it, save, activate and simulate the default flow", async () => {
    const current = await openPage();
    await screenshotOnFailure("flows-owner", async () => {
      await signInThroughPage(current, OWNER.email, PASSWORD);
      await openWelcomeFlow(current);
      await current.getByTestId("validity").getByText("Sin problemas").waitFor();
      await current.getByRole("row", { name: /v1 activa/ }).waitFor();
      await expectAccessible(current, "flow-editor");
      await current.getByRole("link", { name: "← Flujos" }).click();
      await current.getByRole("link", { name: WELCOME }).waitFor();
      await expectAccessible(current, "flows-list");
      await current.getByRole("link", { name: WELCOME }).click();
      await current.locator('.react-flow__node[data-id="greet"]').waitFor();

      // A JSON typo: the editor says where, before asking the API anything.
      await editJson(current, (text) => text.replace('"next": "identify"', '"next" "identify"'));
      await current.getByTestId("validity").getByText("El JSON no es válido").waitFor();
      await current.getByRole("button", { name: /^JSON línea \d+/ }).waitFor();

      // A step that does not exist: the API's problem, listed with its path and shown at its place.
      await editJson(current, (text) => text.replace('"next" "identify"', '"next": "identificar"'));
      const problem = current.getByRole("button", { name: /\/steps\/greet\/next/ });
      await problem.waitFor();
      expect(await problem.textContent()).toContain("step_not_found");
      await current.getByTestId("validity").getByText(/Problemas: \d+/).waitFor();
      const greet = current.locator('.react-flow__node[data-id="greet"]');
      await eventually(async () => ((await greet.getAttribute("class")) ?? "").includes("flow-node-invalid"), 5000, "the step's node to be marked invalid");
      await current.locator('.react-flow__node[data-id="identificar"]').getByText("no existe").waitFor();
      await problem.click();
      await eventually(async () => ((await greet.getAttribute("class")) ?? "").includes("selected"), 5000, "the step's node to be selected");
      const selection = z.object({ focused: z.boolean(), text: z.string() }).parse(
        await current.evaluate(
          "(() => { const area = document.getElementById('flow-json-text'); return { focused: document.activeElement === area, text: area.value.slice(area.selectionStart, area.selectionEnd) }; })()",
        ),
      );
      expect(selection).toEqual({ focused: true, text: expect.stringContaining('"next": "identificar"') });
      await expectAccessible(current, "flow-editor-problems");

      // Fixed, and the menu reworded: saved as a new draft (v2), the active v1 untouched.
      await editJson(current, (text) => text.replace('"next": "identificar"', '"next": "identify"').replace(MENU_TEXT, EDITED_MENU_TEXT));
      await current.getByTestId("validity").getByText("Sin problemas").waitFor();
      expect(await current.locator(".flow-node-invalid").count()).toBe(0);
      await current.getByRole("button", { name: "Guardar borrador" }).click();
      await current.getByText("Guardado como v2.").waitFor();
      await current.getByRole("row", { name: /v2 borrador/ }).waitFor();
      expect(current.url()).toContain("version=2");

      // Activation asks first.
      await current.getByRole("button", { name: "Activar v2" }).click();
      const dialog = current.getByRole("dialog", { name: "¿Activar la versión 2?" });
      await dialog.waitFor();
      await expectAccessible(current, "flow-activate-dialog");
      await dialog.getByRole("button", { name: "Activar" }).click();
      await current.getByText("La versión 2 está activa.").waitFor();
      await current.getByRole("row", { name: /v2 activa/ }).waitFor();
      const flows = FlowList.parse((await shop.api("GET", "/flows?botId=default")).body);
      expect(flows.flows.find((flow) => flow.slug === "welcome")).toMatchObject({ activeVersion: 2, latestVersion: 2 });

      // The simulator: the customer says hola, the bot greets and shows the (edited) menu as choices.
      const simulator = current.getByRole("region", { name: "Simulador" });
      await simulator.getByLabel("Mensaje del cliente").fill("hola");
      await simulator.getByRole("button", { name: "Enviar" }).click();
      const conversation = simulator.getByRole("list", { name: "Conversación simulada" });
      await conversation.getByText(EDITED_MENU_TEXT).waitFor();
      await conversation.getByText(/¡Hola!/).waitFor();
      await simulator.getByTestId("sim-state").getByText("Espera en el paso menu.").waitFor();
      await expectAccessible(current, "flow-simulator");
      // A tap on a row of the menu: the adviser subflow hands the customer to a person, with a timeout.
      await conversation.getByRole("button", { name: /^Hablar con un asesor/ }).click();
      await eventually(async () => (await conversation.locator(".sim-customer").count()) === 2, 8000, "the tap to show as the customer's second message");
      expect(await conversation.locator(".sim-customer").nth(1).textContent()).toContain("Hablar con un asesor");
      await simulator.getByTestId("sim-state").getByText(/bot en pausa/).waitFor();
      // The clock fast-forwarded to the hand-off's timeout: its timer fires as a turn of its own.
      await simulator.getByRole("button", { name: /^Adelantar el reloj \d+ s$/ }).click();
      await conversation.getByText("Pasó el tiempo de espera").waitFor();
      await simulator.getByRole("button", { name: "Reiniciar" }).click();
      expect(await conversation.locator("li").count()).toBe(0);
    });
  }, 60_000);

  it("gives a viewer the flow, its graph and the simulator without edit controls, at phone width", async () => {
    const current = await openPage({ width: 360, height: 740 });
    await screenshotOnFailure("flows-viewer", async () => {
      await signInThroughPage(current, VIEWER.email, PASSWORD);
      await current.getByRole("button", { name: "Menú" }).click();
      await openWelcomeFlow(current);
      await current.getByText("Solo lectura: tu rol no permite editar flujos.").waitFor();
      expect(await current.getByRole("textbox", { name: /^Documento JSON/ }).getAttribute("readonly")).not.toBeNull();
      expect(await current.getByRole("button", { name: "Guardar borrador" }).count()).toBe(0);
      expect(await current.getByRole("button", { name: /^Activar/ }).count()).toBe(0);
      // The graph by keyboard: Enter on a focused step selects it.
      const menu = current.locator('.react-flow__node[data-id="menu"]');
      await menu.focus();
      await current.keyboard.press("Enter");
      await eventually(async () => ((await menu.getAttribute("class")) ?? "").includes("selected"), 5000, "Enter to select the focused step");
      const simulator = current.getByRole("region", { name: "Simulador" });
      await simulator.getByLabel("Mensaje del cliente").fill("hola");
      await simulator.getByRole("button", { name: "Enviar" }).click();
      // The menu as the owner's test left it (edited), or as installed when this test runs alone.
      await simulator.getByRole("list", { name: "Conversación simulada" }).getByText(/^¿En qué te (puedo ayudar|ayudo hoy)\?/).waitFor();
      await expectAccessible(current, "flow-viewer-phone");
      // Nothing wider than the phone: the page does not scroll sideways (wide parts scroll inside themselves).
      expect(await current.evaluate("document.documentElement.scrollWidth")).toBe(360);
    });
  }, 30_000);
});
