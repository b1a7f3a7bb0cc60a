// The dashboard's API types are generated from the gateway's route declarations and WebSocket frame
// schemas (scripts/gen-api.mjs); the committed files must be what a fresh generation gives, so a
// changed route or frame fails here until `pnpm --filter @fleet/dashboard run gen:api` is run.
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "@jest/globals";

const run = promisify(execFile);
const DASHBOARD = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = join(DASHBOARD, "scripts/gen-api.mjs");
const FILES = ["schema.d.ts", "live-schema.d.ts"];

async function check(dir?: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, "--check", ...(dir ? ["--dir", dir] : [])], { cwd: DASHBOARD });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

const temp: string[] = [];
afterAll(async () => {
  await Promise.all(temp.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("the dashboard's generated API types", () => {
  it("are what the gateway's OpenAPI document and WebSocket frame schemas generate today", async () => {
    const { code, output } = await check();
    expect(output).toContain("API types are up to date");
    expect(code).toBe(0);
  }, 60_000);

  it("are reported stale when a committed file differs from a fresh generation", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dashboard-api-types-"));
    temp.push(dir);
    for (const file of FILES) await copyFile(join(DASHBOARD, "src/api", file), join(dir, file));
    const schema = join(dir, "schema.d.ts");
    await writeFile(schema, (await readFile(schema, "utf8")).replace('"/api/bots": {', '"/api/robots": {'));
    const { code, output } = await check(dir);
    expect(code).toBe(1);
    expect(output).toContain(`stale API types`);
    expect(output).toContain(schema);
  }, 60_000);
});
