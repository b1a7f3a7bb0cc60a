// The dashboard in a real browser, shared by the browser tests and the README screenshot script:
// Debian's Chromium (headless) through playwright-core, a Spanish context on the fleet's nginx,
// signing in through the login page, and axe-core's serious and critical violations of a page.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
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

/**
 * One browser test file's way through the dashboard: a fresh session per `open` (the previous one
 * closed), accessibility checks that save a screenshot and name the offending elements when they
 * fail, a screenshot of the page when a step fails, and the side navigation.
 */
export interface DashboardPages {
  /** A new signed-out page at `viewport` (desktop width by default); closes the previous session. */
  open(viewport?: { width: number; height: number }): Promise<Page>;
  /** Throws, after saving a screenshot, when axe-core finds serious or critical violations. */
  expectAccessible(page: Page, name: string): Promise<void>;
  /** Runs `work`; if it throws, saves a screenshot of the current page first. */
  screenshotOnFailure<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Follows a section's link in the side navigation and waits for its heading. */
  goToSection(page: Page, link: string): Promise<void>;
  close(): Promise<void>;
}

export function dashboardPages({ browser, baseURL, screenshots }: { browser: () => Browser; baseURL: () => string; screenshots: string }): DashboardPages {
  let context: BrowserContext | undefined;
  let current: Page | undefined;
  const shot = async (page: Page, name: string): Promise<string> => {
    const path = join(screenshots, `${name}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => undefined);
    return path;
  };
  return {
    async open(viewport) {
      await context?.close();
      context = await newDashboardContext(browser(), { baseURL: baseURL(), ...(viewport ? { viewport } : {}) });
      current = await context.newPage();
      return current;
    },
    async expectAccessible(page, name) {
      const blocking = await seriousAxeViolations(page);
      if (blocking.length === 0) return;
      const path = await shot(page, `axe-${name}`);
      // Where: the elements at fault (axe is on the page since the check above).
      const where: unknown = await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(' | ')))");
      throw new Error(`accessibility violations on ${name} (screenshot ${path}): ${JSON.stringify(blocking)}\n${JSON.stringify(where, null, 1)}`);
    },
    async screenshotOnFailure(name, work) {
      try {
        return await work();
      } catch (error) {
        if (current && !current.isClosed()) console.log(`dashboard screenshot (${name}): ${await shot(current, name)}`);
        throw error;
      }
    },
    async goToSection(page, link) {
      await page.getByRole("navigation", { name: "Secciones" }).getByRole("link", { name: link }).click();
      await page.getByRole("heading", { level: 1, name: link }).waitFor();
    },
    async close() {
      await context?.close();
    },
  };
}
