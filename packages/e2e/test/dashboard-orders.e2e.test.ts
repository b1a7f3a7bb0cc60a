// The orders, customers and sellers pages in a real browser (Debian's Chromium through
// playwright-core) on the running fleet behind nginx: an owner adds a customer, takes an order for
// them (the API's OUT_OF_STOCK shown at the short line, then a quantity in stock), moves it through
// two statuses offered from its lifecycle, records a partial payment and sees the balance; adds a
// seller and edits a seller's weekly schedule; an agent at phone width sees their own assigned
// customers and no manager controls; a viewer reads without edit controls. axe-core finds no serious or critical violation on any of
// these pages. A failed test leaves a screenshot (its path is printed).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { z } from "zod";
import { eventually, dashboardPages, launchChromium, openShop, signInThroughPage, startFleet, type Fleet, type Shop } from "../src/index.js";

const SCREENSHOTS = mkdtempSync(join(tmpdir(), "dashboard-orders-e2e-"));
const PASSWORD = "panel-Prueba-2026-rio-luna";
const ADMIN = "admin@pedidos-panel.test";
const AGENT = "vendedora@pedidos-panel.test";
const VIEWER = "lector@pedidos-panel.test";
const SELLER = { name: "Vendedora Ana", phone: "5215500001111" };
const PRODUCT = { sku: "ANI-LUNA", name: "Anillo Luna", priceMinor: 125_000, stock: 3 };

const OrderAnswer = z.object({ number: z.number(), status: z.string(), totalMinor: z.number(), paidMinor: z.number(), balanceMinor: z.number(), statusHistory: z.array(z.object({ to: z.string() })) });
const ScheduleAnswer = z.object({ weekly: z.array(z.object({ weekday: z.number(), ranges: z.array(z.object({ open: z.string(), close: z.string() })) })).nullable(), daysOff: z.array(z.string()) });
const Created = z.object({ id: z.string() });

let fleet: Fleet;
let shop: Shop;
let browser: Browser;
let sellerId = "";
/** The customer the first test adds through the pages. */
let customerId = "";
/** "Pedido n.º …": the order the first test takes. */
let orderName = "";

beforeAll(async () => {
  // One after the other: whichever fails, afterAll stops what did start.
  browser = await launchChromium();
  fleet = await startFleet({ spareNumbers: 1 });
  const [number] = fleet.spareNumbers;
  if (!number) throw new Error("the fleet has no spare number");
  shop = await openShop(fleet, { slug: "pedidos-panel", name: "Pedidos Panel", language: "es", number, settings: { timeZone: "America/Mexico_City", currency: "MXN" }, sellers: [SELLER], products: [PRODUCT] });
  for (const [email, role] of [
    [ADMIN, "admin"],
    [AGENT, "agent"],
    [VIEWER, "viewer"],
  ] as const) {
    const created = await shop.api("POST", "/users", { email, role, password: PASSWORD, displayName: role });
    if (created.status !== 201) throw new Error(`create ${role} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  const sellers = await shop.api("GET", "/sellers");
  sellerId = z.object({ items: z.array(Created) }).parse(sellers.body).items[0]?.id ?? "";
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

const { open: openPage, expectAccessible, screenshotOnFailure, goToSection } = dashboardPages({ browser: () => browser, baseURL: () => fleet.url, screenshots: SCREENSHOTS });

/** The digits of a shown amount ("MX$1,250.00" → "125000"): minor units of a two-digit currency. */
async function shownMinor(current: Page, testId: string): Promise<string> {
  return ((await current.getByTestId(testId).textContent()) ?? "").replace(/\D/g, "");
}

describe("orders, customers and sellers in Chromium", () => {
  it("adds a customer, takes an order for them past an out-of-stock line, moves it through two statuses and records a partial payment", async () => {
    const current = await openPage();
    await screenshotOnFailure("order-flow", async () => {
      await signInThroughPage(current, ADMIN, PASSWORD);
      await goToSection(current, "Clientes");
      await current.getByText("Aún no hay clientes.").waitFor();
      await expectAccessible(current, "customers-empty");

      await current.getByRole("link", { name: "Nuevo cliente" }).click();
      await current.getByRole("heading", { level: 1, name: "Nuevo cliente" }).waitFor();
      await current.getByLabel("Nombre", { exact: true }).fill("María Pérez");
      await current.getByLabel("Teléfono").fill("5215512340000");
      await current.getByLabel("Etiquetas").fill("vip, frecuente");
      await current.getByRole("button", { name: "Agregar dirección" }).click();
      await current.getByLabel("Calle y número").fill("Av. Juárez 10");
      await current.getByLabel("Ciudad").fill("Puebla");
      await expectAccessible(current, "customer-create");
      await current.getByRole("button", { name: "Crear cliente" }).click();

      await current.getByRole("heading", { level: 1, name: "María Pérez" }).waitFor();
      customerId = current.url().split("/customers/")[1] ?? "";
      await current.getByText("Av. Juárez 10, Puebla").waitFor();
      await current.getByText("Todavía no tiene pedidos.").waitFor();
      await expectAccessible(current, "customer-detail");

      // Edit: a note, kept by the API and shown back.
      await current.getByRole("button", { name: "Editar" }).click();
      await current.getByLabel("Notas").fill("Prefiere plata.");
      await current.getByRole("button", { name: "Guardar cambios" }).click();
      await current.getByText("Prefiere plata.").waitFor();

      // Search by part of the name, accents ignored by the API.
      await goToSection(current, "Clientes");
      await current.getByLabel("Buscar por nombre o teléfono").fill("maria");
      await current.getByRole("link", { name: "María Pérez" }).click();

      await current.getByRole("link", { name: "Nuevo pedido para este cliente" }).click();
      await current.getByRole("heading", { level: 1, name: "Nuevo pedido" }).waitFor();
      await current.getByTestId("chosen-customer").getByText("María Pérez").waitFor();
      await current.getByRole("button", { name: `Agregar ${PRODUCT.name}` }).click();
      await current.getByLabel(`Cantidad de ${PRODUCT.name}`).fill("5");
      await expectAccessible(current, "order-create");
      await current.getByRole("button", { name: "Crear pedido" }).click();
      // The API reserves all or nothing: the short line says what is left.
      await current.getByText("Solo quedan 3 (pediste 5).").first().waitFor();
      await expectAccessible(current, "order-out-of-stock");
      await current.getByLabel(`Cantidad de ${PRODUCT.name}`).fill("2");
      await current.getByRole("button", { name: "Crear pedido" }).click();

      await current.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
      const orderId = current.url().split("/orders/")[1] ?? "";
      orderName = `Pedido n.º ${OrderAnswer.parse((await shop.api("GET", `/orders/${orderId}`)).body).number}`;
      await current.getByRole("heading", { level: 1, name: orderName, exact: true }).waitFor();
      await current.getByTestId("order-status").getByText("Pendiente").waitFor();
      // Only the moves the lifecycle allows from pending.
      await current.getByRole("button", { name: "Pasar a «Confirmado»" }).waitFor();
      await current.getByRole("button", { name: "Pasar a «Cancelado»" }).waitFor();
      expect(await current.getByRole("button", { name: "Pasar a «Entregado»" }).count()).toBe(0);
      await expectAccessible(current, "order-detail");

      await current.getByRole("button", { name: "Pasar a «Confirmado»" }).click();
      await current.getByTestId("order-status").getByText("Confirmado").waitFor();
      await current.getByLabel("Nota del cambio").fill("Pagará en dos partes");
      await current.getByRole("button", { name: "Pasar a «En proceso»" }).click();
      await current.getByTestId("order-status").getByText("En proceso").waitFor();
      await current.getByText("“Pagará en dos partes”").waitFor();

      const before = OrderAnswer.parse((await shop.api("GET", `/orders/${orderId}`)).body);
      expect(before.statusHistory.map((change) => change.to)).toEqual(["pending", "confirmed", "in_process"]);
      expect(await shownMinor(current, "order-balance")).toBe(String(before.totalMinor));

      await current.getByLabel("Monto (MXN)").fill("1000");
      await current.getByLabel("Forma de pago").selectOption("transfer");
      await current.getByRole("button", { name: "Registrar pago" }).click();
      await eventually(async () => (await shownMinor(current, "order-balance")) === String(before.totalMinor - 100_000), 5000, "the balance to drop by the payment");
      const after = OrderAnswer.parse((await shop.api("GET", `/orders/${orderId}`)).body);
      expect({ paid: after.paidMinor, balance: after.balanceMinor }).toEqual({ paid: 100_000, balance: before.totalMinor - 100_000 });
      await current.getByText("Transferencia").first().waitFor();

      await goToSection(current, "Pedidos");
      await current.getByLabel("Estado").selectOption("in_process");
      await current.getByRole("link", { name: orderName, exact: true }).waitFor();
      await expectAccessible(current, "orders-list");
      await current.getByLabel("Estado").selectOption("delivered");
      await current.getByText("No hay pedidos con este estado.").waitFor();
    });
  }, 45_000);

  it("adds a seller with the supervisor flag and edits a seller's weekly schedule and days off", async () => {
    const current = await openPage();
    await screenshotOnFailure("sellers", async () => {
      await signInThroughPage(current, ADMIN, PASSWORD);
      await goToSection(current, "Vendedores");
      await current.getByRole("link", { name: SELLER.name }).waitFor();
      await expectAccessible(current, "sellers-list");

      await current.getByRole("link", { name: "Nuevo vendedor" }).click();
      await current.getByRole("heading", { level: 1, name: "Nuevo vendedor" }).waitFor();
      await current.getByLabel("Nombre", { exact: true }).fill("Supervisora Eva");
      await current.getByLabel("WhatsApp del vendedor").fill("5215500002222");
      await current.getByLabel("Es supervisor").check();
      await expectAccessible(current, "seller-create");
      await current.getByRole("button", { name: "Crear vendedor" }).click();
      await current.getByRole("heading", { level: 1, name: "Supervisora Eva" }).waitFor();
      await current.getByRole("heading", { name: "Disponibilidad" }).waitFor();

      await goToSection(current, "Vendedores");
      await current.getByRole("link", { name: SELLER.name }).click();
      await current.getByRole("heading", { level: 1, name: SELLER.name }).waitFor();
      await current.getByLabel("Tiene horario").check();
      await current.getByRole("button", { name: "Agregar horario el lunes" }).click();
      await current.getByLabel("lunes: sale (rango 1)").fill("14:00");
      await current.getByRole("button", { name: "Agregar horario el lunes" }).click();
      await current.getByLabel("lunes: entra (rango 2)").fill("16:00");
      await current.getByLabel("lunes: sale (rango 2)").fill("20:00");
      await current.getByRole("button", { name: "Agregar horario el sábado" }).click();
      await current.getByLabel("Fecha", { exact: true }).fill("2026-12-25");
      await current.getByRole("button", { name: "Agregar día libre" }).click();
      await expectAccessible(current, "seller-detail");
      await current.getByRole("button", { name: "Guardar horario" }).click();
      await current.getByText("Horario guardado.").waitFor();

      const schedule = ScheduleAnswer.parse((await shop.api("GET", `/sellers/${sellerId}/schedule`)).body);
      expect(schedule.weekly?.find((day) => day.weekday === 1)?.ranges).toEqual([
        { open: "09:00", close: "14:00" },
        { open: "16:00", close: "20:00" },
      ]);
      expect(schedule.weekly?.find((day) => day.weekday === 6)?.ranges).toEqual([{ open: "09:00", close: "18:00" }]);
      expect(schedule.weekly?.find((day) => day.weekday === 2)?.ranges).toEqual([]);
      expect(schedule.daysOff).toEqual(["2026-12-25"]);

      // An overlapping range is the API's to refuse: its message shows, nothing is saved.
      await current.getByRole("button", { name: "Agregar horario el lunes" }).click();
      await current.getByRole("button", { name: "Guardar horario" }).click();
      await current.getByRole("alert").getByText("Revisa los datos del formulario:").waitFor();
    });
  }, 30_000);

  it("shows an agent at phone width their own assigned customers, their status control and no manager controls", async () => {
    const agent = z.object({ users: z.array(z.object({ id: z.string(), email: z.string() })) }).parse((await shop.api("GET", "/users")).body).users.find((user) => user.email === AGENT);
    if (!agent) throw new Error("the agent user is missing");
    const linked = await shop.api("PATCH", `/sellers/${sellerId}`, { userId: agent.id, status: "online" });
    expect(linked.status).toBe(200);
    const assigned = await shop.api("POST", "/sellers/assignments", { customerId, sellerId, reason: "prueba" });
    expect(assigned.status).toBe(201);
    // A customer the agent does not attend: out of their list until they ask for everyone.
    expect((await shop.api("POST", "/customers", { name: "Rosa Otra", phone: "5215500002222" })).status).toBe(201);

    const current = await openPage({ width: 360, height: 740 });
    await screenshotOnFailure("agent-phone", async () => {
      await signInThroughPage(current, AGENT, PASSWORD);
      await current.getByRole("button", { name: "Menú" }).click();
      await goToSection(current, "Vendedores");
      expect(await current.getByRole("link", { name: "Nuevo vendedor" }).count()).toBe(0);
      await current.getByRole("heading", { name: "Tus clientes asignados" }).waitFor();
      await current.getByTestId("assignments").getByRole("link", { name: "María Pérez" }).waitFor();
      await expectAccessible(current, "sellers-agent-phone");

      await current.getByRole("link", { name: SELLER.name }).click();
      await current.getByRole("heading", { level: 1, name: SELLER.name }).waitFor();
      // Their own status, yes; the schedule and the seller's settings, read only.
      await current.getByLabel("Estado").selectOption("busy");
      await current.getByTestId("on-duty").getByText("Ocupado").waitFor();
      expect(await current.getByRole("button", { name: "Guardar horario" }).count()).toBe(0);
      expect(await current.getByRole("heading", { name: "Datos del vendedor" }).count()).toBe(0);
      await expectAccessible(current, "seller-detail-agent-phone");

      await current.getByRole("button", { name: "Menú" }).click();
      await goToSection(current, "Clientes");
      await current.getByRole("row", { name: /María Pérez/ }).getByText("tuyo").waitFor();
      expect(await current.getByRole("row", { name: /Rosa Otra/ }).count()).toBe(0);
      await current.getByLabel("Solo mis clientes").uncheck();
      await current.getByRole("row", { name: /Rosa Otra/ }).waitFor();
      await current.getByRole("button", { name: "Menú" }).click();
      await goToSection(current, "Pedidos");
      await current.getByRole("link", { name: orderName, exact: true }).waitFor();
      await expectAccessible(current, "orders-agent-phone");
    });
  }, 30_000);

  it("gives a viewer the orders, customers and sellers pages without edit controls", async () => {
    const current = await openPage();
    await screenshotOnFailure("viewer", async () => {
      await signInThroughPage(current, VIEWER, PASSWORD);
      await goToSection(current, "Pedidos");
      expect(await current.getByRole("link", { name: "Nuevo pedido" }).count()).toBe(0);
      await current.getByRole("link", { name: orderName, exact: true }).click();
      await current.getByRole("heading", { level: 1, name: orderName, exact: true }).waitFor();
      await current.getByTestId("order-status").getByText("En proceso").waitFor();
      expect(await current.getByRole("button", { name: /^Pasar a/ }).count()).toBe(0);
      expect(await current.getByRole("button", { name: "Registrar pago" }).count()).toBe(0);
      // A viewer who types the address of a form is sent back to the list.
      await current.goto("/orders/new");
      await current.getByRole("heading", { level: 1, name: "Pedidos" }).waitFor();

      await goToSection(current, "Clientes");
      expect(await current.getByRole("link", { name: "Nuevo cliente" }).count()).toBe(0);
      await current.getByRole("link", { name: "María Pérez" }).click();
      await current.getByRole("heading", { level: 1, name: "María Pérez" }).waitFor();
      await current.getByRole("link", { name: orderName, exact: true }).waitFor();
      expect(await current.getByRole("button", { name: "Editar" }).count()).toBe(0);
      expect(await current.getByRole("link", { name: "Nuevo pedido para este cliente" }).count()).toBe(0);

      await goToSection(current, "Vendedores");
      expect(await current.getByRole("link", { name: "Nuevo vendedor" }).count()).toBe(0);
      await current.getByTestId("assignments").getByRole("link", { name: "María Pérez" }).waitFor();
      expect(await current.getByRole("button", { name: /^Liberar/ }).count()).toBe(0);
    });
  }, 30_000);
});
