// The users and settings pages in a real browser (Debian's Chromium through playwright-core) on the
// running fleet behind nginx: an owner adds a seller and a viewer and meets the API's refusals (a
// guessable password, a taken email, the last owner), changes the shop's hours and time zone; the
// viewer and the seller get no edit controls; axe-core finds no serious or critical violation on
// either page. A failed test leaves a screenshot (its path is printed).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { z } from "zod";
import { dashboardPages, launchChromium, openShop, signInThroughPage, startFleet, type Fleet, type Shop } from "../src/index.js";

const SCREENSHOTS = mkdtempSync(join(tmpdir(), "dashboard-admin-e2e-"));
const PASSWORD = "panel-Prueba-2026-rio-luna";
const OWNER = { email: "duena@ajustes-panel.test", name: "Dueña Panel" };
const SELLER = { email: "vendedora@ajustes-panel.test", name: "Vendedora Uno" };
const VIEWER = { email: "lector@ajustes-panel.test", name: "Lector Uno" };

const Users = z.object({ users: z.array(z.object({ email: z.string(), role: z.string(), disabled: z.boolean() })) });
const Settings = z.object({ timeZone: z.string(), businessHours: z.array(z.object({ weekday: z.number(), ranges: z.array(z.object({ open: z.string(), close: z.string() })) })) });

let fleet: Fleet;
let shop: Shop;
let browser: Browser;

beforeAll(async () => {
  // One after the other: whichever fails, afterAll stops what did start.
  browser = await launchChromium();
  fleet = await startFleet({ spareNumbers: 1 });
  const [number] = fleet.spareNumbers;
  if (!number) throw new Error("the fleet has no spare number");
  shop = await openShop(fleet, { slug: "ajustes-panel", name: "Ajustes Panel", language: "es", number });
  // The shop's first owner signed up through the API with a password nobody knows: a second owner signs in here.
  const created = await shop.api("POST", "/users", { email: OWNER.email, displayName: OWNER.name, role: "owner", password: PASSWORD });
  if (created.status !== 201) throw new Error(`create owner answered ${created.status}: ${JSON.stringify(created.body)}`);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

const { open: openPage, expectAccessible, screenshotOnFailure, goToSection } = dashboardPages({ browser: () => browser, baseURL: () => fleet.url, screenshots: SCREENSHOTS });

/** The card of one user on the users page (a list item headed by their name). */
function userCard(current: Page, name: string) {
  return current.getByRole("listitem").filter({ has: current.getByRole("heading", { level: 2, name }) });
}

async function addUser(current: Page, user: { email: string; name: string }, role: string, password: string): Promise<void> {
  await current.getByLabel("Correo electrónico").fill(user.email);
  await current.getByLabel("Nombre", { exact: true }).fill(user.name);
  await current.getByLabel("Rol", { exact: true }).selectOption(role);
  await current.getByLabel("Contraseña inicial").fill(password);
  await current.getByRole("button", { name: "Agregar usuario" }).click();
}

/** GET on the API as the owner who signs in here (the shop's first owner is disabled by the first test). */
async function getAsOwner(path: string): Promise<unknown> {
  const login = await fetch(`${fleet.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: OWNER.email, password: PASSWORD }) });
  const { accessToken } = z.object({ accessToken: z.string() }).parse(await login.json());
  return (await fetch(`${fleet.url}/api${path}`, { headers: { authorization: `Bearer ${accessToken}` } })).json();
}

async function horizontalOverflow(current: Page): Promise<number> {
  return Number(await current.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"));
}

describe("the users and settings pages in Chromium", () => {
  it("lets an owner add a seller and a viewer, change and remove users, and shows the API's refusals", async () => {
    const current = await openPage();
    await screenshotOnFailure("users-owner", async () => {
      await signInThroughPage(current, OWNER.email, PASSWORD);
      await goToSection(current, "Usuarios");
      await userCard(current, OWNER.name).getByText("(tú)").waitFor();
      await expectAccessible(current, "users");

      // The password policy's refusal, with its reason, and nothing created.
      await addUser(current, SELLER, "agent", "password1234");
      await current.getByRole("alert").getByText("La contraseña es demasiado fácil de adivinar.").waitFor();
      await expectAccessible(current, "users-weak-password");
      await current.getByLabel("Contraseña inicial").fill(PASSWORD);
      await current.getByRole("button", { name: "Agregar usuario" }).click();
      await current.getByRole("status").getByText(`Se agregó a ${SELLER.email}.`).waitFor();
      await userCard(current, SELLER.name).getByTestId("user-role").getByText("vendedor").waitFor();

      await addUser(current, VIEWER, "viewer", PASSWORD);
      await userCard(current, VIEWER.name).getByTestId("user-role").getByText("lector").waitFor();
      await addUser(current, VIEWER, "viewer", PASSWORD);
      await current.getByRole("alert").getByText("Ya hay un usuario con ese correo en la tienda.").waitFor();

      // A user to change and remove: a viewer made a seller, disabled, enabled again, then removed after confirming.
      await addUser(current, { email: "temporal@ajustes-panel.test", name: "Temporal" }, "viewer", PASSWORD);
      const temporary = userCard(current, "Temporal");
      await temporary.getByLabel("Rol de Temporal").selectOption("agent");
      await temporary.getByRole("button", { name: "Cambiar rol Temporal" }).click();
      await userCard(current, "Temporal").getByTestId("user-role").getByText("vendedor").waitFor();
      await userCard(current, "Temporal").getByRole("button", { name: "Desactivar Temporal" }).click();
      await userCard(current, "Temporal").getByText("Desactivado", { exact: true }).waitFor();
      await userCard(current, "Temporal").getByRole("button", { name: "Activar Temporal" }).click();
      await userCard(current, "Temporal").getByText("Activo", { exact: true }).waitFor();
      await userCard(current, "Temporal").getByRole("button", { name: "Eliminar Temporal" }).click();
      await userCard(current, "Temporal").getByRole("button", { name: "Sí, eliminar" }).click();
      await current.getByRole("heading", { level: 2, name: "Temporal" }).waitFor({ state: "detached" });

      // The shop's first owner disabled: the one left cannot disable themselves.
      await userCard(current, "Owner").getByRole("button", { name: "Desactivar Owner" }).click();
      await userCard(current, "Owner").getByText("Desactivado", { exact: true }).waitFor();
      await userCard(current, OWNER.name).getByRole("button", { name: `Desactivar ${OWNER.name}` }).click();
      await userCard(current, OWNER.name).getByRole("alert").getByText("La tienda se quedaría sin dueño activo").waitFor();
      await expectAccessible(current, "users-last-owner");

      const byEmail = new Map(Users.parse(await getAsOwner("/users")).users.map((user) => [user.email, user]));
      expect([byEmail.get(SELLER.email)?.role, byEmail.get(VIEWER.email)?.role, byEmail.has("temporal@ajustes-panel.test"), byEmail.get(OWNER.email)?.disabled]).toEqual(["agent", "viewer", false, false]);
    });
  }, 45_000);

  it("lets the owner change the shop's hours and time zone, showing the API's refusal of overlapping ranges", async () => {
    const current = await openPage();
    await screenshotOnFailure("settings-owner", async () => {
      await signInThroughPage(current, OWNER.email, PASSWORD);
      await goToSection(current, "Ajustes");
      await expectAccessible(current, "settings");

      const monday = current.getByRole("group", { name: "Lunes", exact: true });
      const sunday = current.getByRole("group", { name: "Domingo", exact: true });
      const saturday = current.getByRole("group", { name: "Sábado", exact: true });
      // Monday gets a second range that overlaps the default 10:00–19:00: the API says so.
      await monday.getByRole("button", { name: "Agregar tramo (lunes)" }).click();
      await current.getByRole("button", { name: "Guardar ajustes" }).click();
      // The problem is shown on Monday itself, and in the form's summary.
      await monday.getByText("ranges of one day must not overlap").waitFor();
      await current.getByRole("alert").getByText("ranges of one day must not overlap").waitFor();
      await expectAccessible(current, "settings-refused");
      await monday.getByRole("group", { name: "lunes, tramo 1" }).getByLabel("Cierra").fill("14:00");
      // Sunday opens 11:00 to midnight, Saturday closes.
      await sunday.getByLabel("Abre el domingo").check();
      await sunday.getByLabel("Abre", { exact: true }).fill("11:00");
      await sunday.getByLabel("Cierra").fill("00:00");
      await saturday.getByLabel("Abre el sábado").uncheck();
      await current.getByLabel("Zona horaria").selectOption("America/Bogota");
      await current.getByRole("button", { name: "Guardar ajustes" }).click();
      await current.getByRole("status").getByText("Ajustes guardados.").waitFor();

      const saved = Settings.parse(await getAsOwner("/settings"));
      const day = (weekday: number) => saved.businessHours.find((hours) => hours.weekday === weekday)?.ranges;
      expect({ timeZone: saved.timeZone, monday: day(1), saturday: day(6) ?? [], sunday: day(7) }).toEqual({
        timeZone: "America/Bogota",
        monday: [
          { open: "10:00", close: "14:00" },
          { open: "16:00", close: "20:00" },
        ],
        saturday: [],
        sunday: [{ open: "11:00", close: "24:00" }],
      });

      // What was saved is what the page shows after a reload, and it fits a phone's width.
      await current.setViewportSize({ width: 360, height: 740 });
      await current.reload();
      await current.getByRole("heading", { level: 1, name: "Ajustes" }).waitFor();
      expect(await current.getByLabel("Zona horaria").inputValue()).toBe("America/Bogota");
      expect(await current.getByRole("group", { name: "Domingo", exact: true }).getByLabel("Cierra").inputValue()).toBe("00:00");
      expect(await current.getByLabel("Abre el sábado").isChecked()).toBe(false);
      expect(await horizontalOverflow(current)).toBeLessThanOrEqual(0);
      await expectAccessible(current, "settings-phone");
    });
  }, 40_000);

  it("gives a viewer and a seller the settings to read and no edit controls, at phone width", async () => {
    for (const user of [VIEWER, SELLER]) {
      const current = await openPage({ width: 360, height: 740 });
      await screenshotOnFailure(`read-only-${user.name}`, async () => {
        await signInThroughPage(current, user.email, PASSWORD);
        expect(await current.getByRole("link", { name: "Nuevo bot" }).count()).toBe(0);

        await current.goto("/users");
        await current.getByRole("heading", { level: 1, name: "Usuarios" }).waitFor();
        await current.getByText("Solo los dueños y administradores gestionan los usuarios de la tienda.").waitFor();
        expect(await current.locator("main").getByRole("button").count()).toBe(0);
        expect(await current.locator("main input, main select").count()).toBe(0);
        await expectAccessible(current, `users-${user.name}`);

        await current.goto("/settings");
        await current.getByRole("heading", { level: 1, name: "Ajustes" }).waitFor();
        await current.getByText("Los ajustes de la tienda los cambian sus dueños y administradores.").waitFor();
        // The hours the owner saved, read only.
        await current.getByText("America/Bogota").waitFor();
        await current.getByText("11:00–24:00").waitFor();
        expect(await current.locator("main").getByRole("button").count()).toBe(0);
        expect(await current.locator("main input, main select").count()).toBe(0);
        expect(await horizontalOverflow(current)).toBeLessThanOrEqual(0);
        await expectAccessible(current, `settings-${user.name}`);
      });
    }
  }, 40_000);
});
