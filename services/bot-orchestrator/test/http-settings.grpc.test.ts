// A tenant's settings for http steps over a real gRPC client on port 0, backed by the flows module on
// real Postgres: the allowlist set and read back as stored, secrets put, replaced and deleted with
// their values never in an answer nor in the service's logs (kept at debug level, so a rejection's
// log line is there to be read), bad input refused with the repository's stable codes, tenants
// kept apart, and activation refused with secret_unknown until the flow's secret exists.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { memoryLogger, rejectionOf } from "@fleet/testing";
import { exampleActions } from "../src/flows/language/flow-examples.js";
import type { TenantHttpSettingsRepository } from "../src/repositories/tenant-http-settings.repository.js";
import { newId } from "./flows.fixtures.js";
import { startFlowsService, type FlowsService, type OrchestratorClient } from "./flows.service.js";

const { logger, lines } = memoryLogger("bot-orchestrator", "debug");
let service: FlowsService;
let settings: TenantHttpSettingsRepository;
let client: OrchestratorClient;

beforeAll(async () => {
  service = await startFlowsService({ actions: exampleActions, logger });
  ({ httpSettings: settings, client } = service);
});

afterAll(async () => {
  await service?.stop();
});

/** Everything the service logged so far, as one text to search. */
const logText = () => JSON.stringify(lines);

/** A valid flow whose http step sends the tenant secret CRM_TOKEN in its second header. */
const crmFlow = {
  schemaVersion: 1,
  id: "crm",
  name: "Registro en el CRM",
  start: "registrar",
  triggers: [{ type: "keyword", keywords: ["hola"] }],
  steps: {
    registrar: {
      kind: "http",
      method: "POST",
      url: "https://api.micrm.example/leads",
      headers: [
        { name: "X-Shop", value: "cocolu" },
        { name: "Authorization", secret: "CRM_TOKEN", prefix: "Bearer " },
      ],
      body: { phone: "{{contact.phone}}" },
      timeoutMs: 5000,
      next: "fin",
      onError: "fin",
    },
    fin: { kind: "end", message: "Gracias" },
  },
};

describe("http settings over gRPC", () => {
  it("replaces the allowlist and answers it as stored: lower case, punycode, without duplicates, sorted", async () => {
    const tenantId = newId();
    const set = await client.setAllowedHosts({ tenantId, hosts: ["API.Shop.example", "*.Bücher.example", "api.shop.example."] });
    expect(set.allowedHosts).toEqual(["*.xn--bcher-kva.example", "api.shop.example"]);
    expect(await client.getHttpSettings({ tenantId })).toMatchObject({ allowedHosts: ["*.xn--bcher-kva.example", "api.shop.example"], secretNames: [] });

    expect((await client.setAllowedHosts({ tenantId, hosts: [] })).allowedHosts).toEqual([]);
    expect((await client.getHttpSettings({ tenantId })).allowedHosts).toEqual([]);
  });

  it("puts, replaces and deletes a secret: its name is listed, its value is used but never answered nor logged", async () => {
    const tenantId = newId();
    const first = `crm-first-${randomBytes(8).toString("hex")}`;
    const second = `crm-second-${randomBytes(8).toString("hex")}`;

    const put = await client.putSecret({ tenantId, name: "CRM_TOKEN", value: first });
    await client.putSecret({ tenantId, name: "CRM_TOKEN", value: second });
    const read = await client.getHttpSettings({ tenantId });
    expect(read).toMatchObject({ secretNames: ["CRM_TOKEN"], allowedHosts: [] });
    // What an http step would send is the last value put.
    expect(await settings.resolveSecrets(tenantId, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: second });

    expect(await client.deleteSecret({ tenantId, name: "CRM_TOKEN" })).toMatchObject({ deleted: true });
    expect(await client.deleteSecret({ tenantId, name: "CRM_TOKEN" })).toMatchObject({ deleted: false });
    expect((await client.getHttpSettings({ tenantId })).secretNames).toEqual([]);
    for (const value of [first, second]) {
      expect(JSON.stringify([put, read])).not.toContain(value);
      expect(logText()).not.toContain(value);
    }
  });

  it("refuses bad hosts, names, values and tenant ids with invalid_argument and stable codes, keeping what was stored", async () => {
    const tenantId = newId();
    await client.setAllowedHosts({ tenantId, hosts: ["api.shop.example"] });
    const tooMany = Array.from({ length: 51 }, (_, i) => `h${i}.shop.example`);
    expect(await rejectionOf(client.setAllowedHosts({ tenantId, hosts: ["api.shop.example", "10.0.0.1"] }))).toMatchObject({ kind: "invalid_argument", code: "HTTP_HOST_INVALID", details: { host: "10.0.0.1" } });
    expect(await rejectionOf(client.setAllowedHosts({ tenantId, hosts: ["api.shop.example:8443"] }))).toMatchObject({ kind: "invalid_argument", code: "HTTP_HOST_INVALID" });
    expect(await rejectionOf(client.setAllowedHosts({ tenantId, hosts: tooMany }))).toMatchObject({ kind: "invalid_argument", code: "HTTP_HOSTS_TOO_MANY" });
    expect((await client.getHttpSettings({ tenantId })).allowedHosts).toEqual(["api.shop.example"]);

    expect(await rejectionOf(client.putSecret({ tenantId, name: "crm-token", value: "abc" }))).toMatchObject({ kind: "invalid_argument", code: "SECRET_NAME_INVALID" });
    expect(await rejectionOf(client.deleteSecret({ tenantId, name: "crm-token" }))).toMatchObject({ kind: "invalid_argument", code: "SECRET_NAME_INVALID" });
    expect(await rejectionOf(client.putSecret({ tenantId, name: "CRM_TOKEN", value: "" }))).toMatchObject({ kind: "invalid_argument", code: "SECRET_VALUE_INVALID" });
    const injected = `Bearer leaked-${randomBytes(8).toString("hex")}\r\nX-Injected: 1`;
    const refused = await rejectionOf(client.putSecret({ tenantId, name: "CRM_TOKEN", value: injected }));
    expect(refused).toMatchObject({ kind: "invalid_argument", code: "SECRET_VALUE_INVALID", details: { name: "CRM_TOKEN" } });
    expect(JSON.stringify({ message: refused.message, details: refused.details })).not.toContain("leaked-");
    expect((await client.getHttpSettings({ tenantId })).secretNames).toEqual([]);

    expect(await rejectionOf(client.getHttpSettings({ tenantId: "not-a-tenant" }))).toMatchObject({ kind: "invalid_argument", code: "TENANT_ID_INVALID" });
    expect(await rejectionOf(client.putSecret({ tenantId: "", name: "CRM_TOKEN", value: "abc" }))).toMatchObject({ kind: "invalid_argument", code: "TENANT_ID_INVALID" });

    // The rejections were logged (the logger sees these calls), and none of them with the value.
    expect(lines).toContainEqual(expect.objectContaining({ method: "PutSecret", code: "SECRET_VALUE_INVALID" }));
    expect(logText()).not.toContain("leaked-");
  });

  it("keeps tenants apart: another tenant sees none of the hosts or secret names, and deletes nothing of them", async () => {
    const shop = newId();
    const other = newId();
    await client.setAllowedHosts({ tenantId: shop, hosts: ["api.shop.example"] });
    await client.putSecret({ tenantId: shop, name: "CRM_TOKEN", value: "shop-value" });

    expect(await client.getHttpSettings({ tenantId: other })).toMatchObject({ allowedHosts: [], secretNames: [] });
    expect(await client.deleteSecret({ tenantId: other, name: "CRM_TOKEN" })).toMatchObject({ deleted: false });
    expect(await client.getHttpSettings({ tenantId: shop })).toMatchObject({ allowedHosts: ["api.shop.example"], secretNames: ["CRM_TOKEN"] });
  });
});

describe("secrets at validation and activation", () => {
  it("refuses a flow naming a secret the tenant lacks with secret_unknown at its header, then activates it once the secret is put", async () => {
    const tenantId = newId();
    const created = await client.createFlow({ tenantId, definitionJson: JSON.stringify(crmFlow), userId: "user-ana" });
    const flowId = created.flow?.id ?? "";
    const missing = { path: "/steps/registrar/headers/1/secret", code: "secret_unknown" };

    expect(await client.validateFlow({ tenantId, flowId })).toMatchObject({ ok: false, problems: [missing] });
    expect(await client.activateFlowVersion({ tenantId, flowId, version: 1, userId: "user-ana" })).toMatchObject({ activated: false, problems: [missing], flow: { activeVersion: 0 } });
    // Another tenant's secret of that name does not count.
    await client.putSecret({ tenantId: newId(), name: "CRM_TOKEN", value: "someone-else" });
    expect(await client.activateFlowVersion({ tenantId, flowId, version: 1 })).toMatchObject({ activated: false, problems: [missing] });

    await client.putSecret({ tenantId, name: "CRM_TOKEN", value: "crm-value" });
    expect(await client.validateFlow({ tenantId, flowId })).toMatchObject({ ok: true, problems: [] });
    expect(await client.activateFlowVersion({ tenantId, flowId, version: 1, userId: "user-ana" })).toMatchObject({ activated: true, problems: [], flow: { activeVersion: 1 } });
  });

  it("checks a submitted document against the tenant's secrets too", async () => {
    const tenantId = newId();
    const created = await client.createFlow({ tenantId, definitionJson: JSON.stringify({ ...crmFlow, id: "crm-draft" }), userId: "user-ana" });
    const flowId = created.flow?.id ?? "";
    const renamed = { ...crmFlow, id: "crm-draft", steps: { ...crmFlow.steps, registrar: { ...crmFlow.steps.registrar, headers: [{ name: "X-Api-Key", secret: "ERP_KEY" }] } } };
    const check = await client.validateFlow({ tenantId, flowId, source: { case: "definitionJson", value: JSON.stringify(renamed) } });
    expect(check).toMatchObject({ ok: false, problems: [{ path: "/steps/registrar/headers/0/secret", code: "secret_unknown" }] });
  });
});
