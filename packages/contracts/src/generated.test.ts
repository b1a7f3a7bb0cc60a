import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("protobuf contracts", () => {
  it("pass buf lint (STANDARD)", async () => {
    await expect(run("buf", ["lint"], { cwd: join(ROOT, "proto") })).resolves.toBeDefined();
  });

  it("match the committed generated code (run `pnpm proto:gen` after editing proto/)", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "fleet-proto-"));
    try {
      cpSync(join(ROOT, "proto"), join(scratch, "proto"), { recursive: true });
      await run("buf", ["generate"], { cwd: join(scratch, "proto") });
      const fresh = join(scratch, "packages/contracts/src/gen");
      const committed = join(ROOT, "packages/contracts/src/gen");
      expect(listFiles(committed)).toEqual(listFiles(fresh));
      for (const file of listFiles(fresh)) {
        expect({ file, text: readFileSync(join(committed, file), "utf8") }).toEqual({ file, text: readFileSync(join(fresh, file), "utf8") });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
