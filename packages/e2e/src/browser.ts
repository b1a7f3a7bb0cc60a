// The dashboard in a real browser, shared by the browser tests and the README screenshot script:
// Debian's Chromium (headless) through playwright-core, a Spanish context on the fleet's nginx,
// signing in through the login page, and axe-core's serious and critical violations of a page.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { z } from "zod";

const require = createRequire(import.meta.url);

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface DashboardContextOptions {
  baseURL: string;
  viewport?: { width: number; height: number };
  locale?: string;
  /** Default timeout of every action: shorter than a test's, so a missing element fails with its name. */
  timeoutMs?: number;
}

/** A fresh browser session (no cookies), Spanish by default, desktop width unless told. */
export async function newDashboardContext(browser: Browser, options: DashboardContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: options.locale ?? "es-MX", viewport: options.viewport ?? { width: 1280, height: 900 }, baseURL: options.baseURL });
  context.setDefaultTimeout(options.timeoutMs ?? 8000);
  return context;
}

/** Signs in through the login page (Spanish labels) and waits for the first page after it. */
export async function signInThroughPage(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(password);
  await page.getByRole("button", { name: "Entrar" }).click();
  await page.getByRole("heading", { level: 1, name: "Bots" }).waitFor();
}

const Violations = z.array(z.object({ id: z.string(), impact: z.string().nullable(), help: z.string(), nodes: z.number() }));
export type AxeViolation = z.infer<typeof Violations>[number];

let axeSource: string | undefined;

/** axe-core's violations of serious or critical impact on the page as it is now. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: axeSource });
  const found = Violations.parse(
    await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.length })))"),
  );
  return found.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}
