// The tenant http settings repository on a real Postgres database: the allowlist as stored
// (normalised, validated, replaced as a whole) and the named secrets (sealed at rest, bound to
// their tenant and name, opened only by resolveSecrets and only with the right key).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { createPostgresPool } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, type TestDatabase } from "@fleet/testing";
import { createTenantHttpSettingsRepository, createTenantSecretBox, type TenantHttpSettingsRepository } from "../src/repositories/tenant-http-settings.repository.js";
import { rejectionOf } from "@fleet/testing";

let database: TestDatabase;
let pool: pg.Pool;
let repository: TenantHttpSettingsRepository;
const key = randomBytes(32).toString("hex");
const { logger, lines } = memoryLogger("bot-orchestrator", "debug");

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPostgresPool({ url: database.url, schema: "orchestrator", logger });
  repository = createTenantHttpSettingsRepository(pool, createTenantSecretBox(key), logger);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});


async function sealedOf(tenantId: string, name: string): Promise<Buffer | undefined> {
  const { rows } = await pool.query<{ sealed: Buffer }>("SELECT sealed FROM orchestrator.tenant_http_secrets WHERE tenant_id = $1 AND name = $2", [tenantId, name]);
  return rows[0]?.sealed;
}

describe("tenant http settings: allowed hosts", () => {
  it("stores hosts lower-case and punycode, without a trailing dot or duplicates, sorted, and get returns them", async () => {
    const tenantId = randomUUID();

    const stored = await repository.setAllowedHosts(tenantId, ["API.Shop.example", " hooks.example.com ", "api.shop.example.", "*.Bücher.example"]);

    expect(stored).toEqual(["*.xn--bcher-kva.example", "api.shop.example", "hooks.example.com"]);
    expect(await repository.get(tenantId)).toEqual({ allowedHosts: stored, secretNames: [] });
  });

  it("replaces the whole list on each set, and an empty list allows nothing", async () => {
    const tenantId = randomUUID();
    await repository.setAllowedHosts(tenantId, ["a.example.com", "b.example.com"]);

    await repository.setAllowedHosts(tenantId, ["c.example.com"]);
    expect((await repository.get(tenantId)).allowedHosts).toEqual(["c.example.com"]);

    await repository.setAllowedHosts(tenantId, []);
    expect((await repository.get(tenantId)).allowedHosts).toEqual([]);
  });

  it.each([
    ["an IPv4 literal", "10.0.0.1"],
    ["an IPv6 literal", "[::1]"],
    ["a decimal IPv4 literal", "2130706433"],
    ["localhost", "localhost"],
    ["a .local name", "printer.local"],
    ["an .internal name", "db.internal"],
    ["a name without a dot", "intranet"],
    ["a port", "api.example.com:8443"],
    ["a URL", "https://api.example.com"],
    ["a path", "api.example.com/v1"],
    ["credentials", "user@api.example.com"],
    ["a wildcard over a top-level domain", "*.com"],
    ["a bare wildcard", "*"],
    ["a wildcard inside a label", "api*.example.com"],
    ["an empty entry", " "],
  ])("refuses %s with HTTP_HOST_INVALID and keeps the list as it was", async (_what, entry) => {
    const tenantId = randomUUID();
    await repository.setAllowedHosts(tenantId, ["api.example.com"]);

    const error = await rejectionOf(repository.setAllowedHosts(tenantId, ["other.example.com", entry]));

    expect(error).toMatchObject({ kind: "invalid_argument", code: "HTTP_HOST_INVALID" });
    expect((await repository.get(tenantId)).allowedHosts).toEqual(["api.example.com"]);
  });

  it("refuses more than 50 hosts with HTTP_HOSTS_TOO_MANY", async () => {
    const tenantId = randomUUID();
    const hosts = Array.from({ length: 51 }, (_, i) => `h${i}.example.com`);

    expect(await rejectionOf(repository.setAllowedHosts(tenantId, hosts))).toMatchObject({ kind: "invalid_argument", code: "HTTP_HOSTS_TOO_MANY" });
    expect(await repository.setAllowedHosts(tenantId, hosts.slice(0, 50))).toHaveLength(50);
  });

  it("refuses a tenant id that is not a UUID with TENANT_ID_INVALID, and reads it as a tenant without settings", async () => {
    expect(await rejectionOf(repository.setAllowedHosts("tenant-1", ["api.example.com"]))).toMatchObject({ code: "TENANT_ID_INVALID" });
    expect(await rejectionOf(repository.putSecret("tenant-1", "CRM_TOKEN", "x"))).toMatchObject({ code: "TENANT_ID_INVALID" });
    expect(await repository.get("tenant-1")).toEqual({ allowedHosts: [], secretNames: [] });
    expect(await repository.resolveSecrets("tenant-1", ["CRM_TOKEN"])).toEqual({});
    expect(await repository.deleteSecret("tenant-1", "CRM_TOKEN")).toBe(false);
  });
});

describe("tenant http settings: secrets", () => {
  it("stores a secret sealed: the raw column holds no trace of the value, get lists only its name, resolveSecrets opens it", async () => {
    const tenantId = randomUUID();
    const value = `crm-token-${randomBytes(12).toString("hex")}`;

    await repository.putSecret(tenantId, "CRM_TOKEN", value);

    const sealed = await sealedOf(tenantId, "CRM_TOKEN");
    expect(Buffer.isBuffer(sealed)).toBe(true);
    expect(sealed?.includes(Buffer.from(value, "utf8"))).toBe(false);
    expect(sealed?.toString("latin1")).not.toContain("crm-token");
    expect(await repository.get(tenantId)).toEqual({ allowedHosts: [], secretNames: ["CRM_TOKEN"] });
    expect(JSON.stringify(await repository.get(tenantId))).not.toContain(value);
    expect(await repository.resolveSecrets(tenantId, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: value });
  });

  it("replaces a secret's value when it is put again", async () => {
    const tenantId = randomUUID();
    await repository.putSecret(tenantId, "API_KEY", "first-value");

    await repository.putSecret(tenantId, "API_KEY", "second-value");

    expect(await repository.resolveSecrets(tenantId, ["API_KEY"])).toEqual({ API_KEY: "second-value" });
    expect((await repository.get(tenantId)).secretNames).toEqual(["API_KEY"]);
  });

  it("leaves names the tenant has not set out of resolveSecrets", async () => {
    const tenantId = randomUUID();
    await repository.putSecret(tenantId, "A_TOKEN", "value-a");

    expect(await repository.resolveSecrets(tenantId, ["A_TOKEN", "B_TOKEN", "not-a-name"])).toEqual({ A_TOKEN: "value-a" });
  });

  it("cannot open secrets with another key: they resolve as absent and the log names the secret, not its value", async () => {
    const tenantId = randomUUID();
    await repository.putSecret(tenantId, "CRM_TOKEN", "value-under-the-old-key");
    const rotated = createTenantHttpSettingsRepository(pool, createTenantSecretBox(randomBytes(32).toString("hex")), logger);
    const logged = lines.length;

    expect(await rotated.resolveSecrets(tenantId, ["CRM_TOKEN"])).toEqual({});

    const newLines = lines.slice(logged);
    expect(newLines).toEqual([expect.objectContaining({ level: "error", tenantId, name: "CRM_TOKEN" })]);
    expect(JSON.stringify(newLines)).not.toContain("value-under-the-old-key");
    // The right key still opens it.
    expect(await repository.resolveSecrets(tenantId, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: "value-under-the-old-key" });
  });

  it("keeps tenants apart: another tenant neither sees, resolves nor deletes a tenant's secrets and hosts", async () => {
    const owner = randomUUID();
    const other = randomUUID();
    await repository.setAllowedHosts(owner, ["api.owner.example"]);
    await repository.putSecret(owner, "CRM_TOKEN", "owner-value");

    expect(await repository.get(other)).toEqual({ allowedHosts: [], secretNames: [] });
    expect(await repository.resolveSecrets(other, ["CRM_TOKEN"])).toEqual({});
    expect(await repository.deleteSecret(other, "CRM_TOKEN")).toBe(false);
    expect(await repository.resolveSecrets(owner, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: "owner-value" });
  });

  it("does not open a sealed value copied into another tenant's row (the seal is bound to tenant and name)", async () => {
    const owner = randomUUID();
    const other = randomUUID();
    await repository.putSecret(owner, "CRM_TOKEN", "owner-value");
    await repository.putSecret(other, "CRM_TOKEN", "other-value");
    await repository.putSecret(owner, "OTHER_NAME", "owner-other-value");

    await pool.query("UPDATE orchestrator.tenant_http_secrets SET sealed = $3 WHERE tenant_id = $1 AND name = $2", [other, "CRM_TOKEN", await sealedOf(owner, "CRM_TOKEN")]);
    await pool.query("UPDATE orchestrator.tenant_http_secrets SET sealed = $3 WHERE tenant_id = $1 AND name = $2", [owner, "CRM_TOKEN", await sealedOf(owner, "OTHER_NAME")]);

    expect(await repository.resolveSecrets(other, ["CRM_TOKEN"])).toEqual({});
    expect(await repository.resolveSecrets(owner, ["CRM_TOKEN", "OTHER_NAME"])).toEqual({ OTHER_NAME: "owner-other-value" });
  });

  it("deletes a secret once: true, then false, and it no longer resolves", async () => {
    const tenantId = randomUUID();
    await repository.putSecret(tenantId, "OLD_TOKEN", "old-value");

    expect(await repository.deleteSecret(tenantId, "OLD_TOKEN")).toBe(true);
    expect(await repository.deleteSecret(tenantId, "OLD_TOKEN")).toBe(false);
    expect(await repository.resolveSecrets(tenantId, ["OLD_TOKEN"])).toEqual({});
    expect((await repository.get(tenantId)).secretNames).toEqual([]);
  });

  it.each([
    ["a lower-case name", "SECRET_NAME_INVALID", "crm_token", "value"],
    ["a name starting with a digit", "SECRET_NAME_INVALID", "1TOKEN", "value"],
    ["a name longer than 64", "SECRET_NAME_INVALID", `T${"X".repeat(64)}`, "value"],
    ["an empty value", "SECRET_VALUE_INVALID", "CRM_TOKEN", ""],
    ["a value with a line break (header injection)", "SECRET_VALUE_INVALID", "CRM_TOKEN", "abc\r\nX-Evil: 1"],
    ["a value beyond printable ASCII", "SECRET_VALUE_INVALID", "CRM_TOKEN", "contraseña"],
    ["a value longer than 4096", "SECRET_VALUE_INVALID", "CRM_TOKEN", "x".repeat(4097)],
  ])("refuses %s with invalid_argument %s, storing nothing", async (_what, code, name, value) => {
    const tenantId = randomUUID();

    expect(await rejectionOf(repository.putSecret(tenantId, name, value))).toMatchObject({ kind: "invalid_argument", code });
    expect((await repository.get(tenantId)).secretNames).toEqual([]);
  });
});
