// The shop's settings for its flows' http steps through the gateway and the orchestrator's real
// flows service (over gRPC, on real Postgres): the allowlist replaced and read back as stored,
// secrets put and deleted with their values never answered nor logged, who may do what, 400s with
// stable codes, the literal /flows/http-settings path never taken for a flow id, tenants kept
// apart, and activation refused with secret_unknown until the secret a flow names exists.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";
import { startOrchestrator, type OrchestratorHarness } from "./orchestrator.harness.js";

let orchestrator: OrchestratorHarness;
let gateway: GatewayHarness;
const seeded = new Map<string, SeededUser>();
const tokens = new Map<string, string>();

beforeAll(async () => {
  orchestrator = await startOrchestrator();
  gateway = await startGateway({ orchestratorAddress: orchestrator.address });
  for (const role of ["owner", "admin", "agent", "viewer"] as const) {
    const seededUser = await gateway.createUser({ tenant: "joyeria", email: `${role}@joyeria.test`, role });
    seeded.set(role, seededUser);
    tokens.set(role, await tokenFor(gateway, seededUser));
  }
  const stranger = await gateway.createUser({ tenant: "otra", email: "owner@otra.test", role: "owner" });
  seeded.set("stranger", stranger);
  tokens.set("stranger", await tokenFor(gateway, stranger));
});

afterAll(async () => {
  await gateway?.close();
  await orchestrator?.stop();
});

function user(role: string): SeededUser {
  const found = seeded.get(role);
  if (!found) throw new Error(`no seeded ${role}`);
  return found;
}

const as = (role: string) => {
  const auth = { authorization: `Bearer ${tokens.get(role) ?? ""}` };
  return {
    get: (path: string) => request(gateway.app).get(`/api${path}`).set(auth),
    post: (path: string, body?: object) => (body === undefined ? request(gateway.app).post(`/api${path}`).set(auth) : request(gateway.app).post(`/api${path}`).set(auth).send(body)),
    put: (path: string, body: object) => request(gateway.app).put(`/api${path}`).set(auth).send(body),
    delete: (path: string) => request(gateway.app).delete(`/api${path}`).set(auth),
  };
};

/** A value no other test uses, so finding it anywhere means it leaked. */
const secretValue = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;

/** What an answer carried, as text to search. */
const textOf = (response: { body: unknown; text?: string }) => JSON.stringify(response.body ?? "") + (response.text ?? "");

async function resetSettings(role: string): Promise<void> {
  expect((await as(role).put("/flows/http-settings/allowed-hosts", { hosts: [] })).status).toBe(200);
  for (const name of (await as(role).get("/flows/http-settings")).body.secretNames as string[]) {
    expect((await as(role).delete(`/flows/http-settings/secrets/${name}`)).status).toBe(204);
  }
}

describe("allowed hosts", () => {
  it("lets a manager replace the list and answers it as stored; whoever reads flows sees it", async () => {
    await resetSettings("owner");
    const replaced = await as("admin").put("/flows/http-settings/allowed-hosts", { hosts: ["API.MiCRM.example", "*.Bücher.example", "api.micrm.example."] });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ allowedHosts: ["*.xn--bcher-kva.example", "api.micrm.example"] });
    for (const role of ["viewer", "agent", "owner"]) {
      const read = await as(role).get("/flows/http-settings");
      expect({ role, status: read.status, body: read.body }).toEqual({ role, status: 200, body: { allowedHosts: ["*.xn--bcher-kva.example", "api.micrm.example"], secretNames: [] } });
    }
    expect((await as("owner").put("/flows/http-settings/allowed-hosts", { hosts: ["hooks.example.com"] })).body).toEqual({ allowedHosts: ["hooks.example.com"] });
    expect((await as("viewer").get("/flows/http-settings")).body.allowedHosts).toEqual(["hooks.example.com"]);
  });
});

describe("secrets", () => {
  it("stores a secret a manager puts (204, no body), lists its name, never answers nor logs its value, and deletes it", async () => {
    await resetSettings("owner");
    const first = secretValue("crm-first");
    const second = secretValue("crm-second");
    const put = await as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", { value: first });
    expect([put.status, put.text]).toEqual([204, ""]);
    const replaced = await as("admin").put("/flows/http-settings/secrets/CRM_TOKEN", { value: second });
    expect(replaced.status).toBe(204);
    const read = await as("viewer").get("/flows/http-settings");
    expect(read.body).toEqual({ allowedHosts: [], secretNames: ["CRM_TOKEN"] });
    // What an http step would send is the last value put.
    expect(await orchestrator.httpSettings.resolveSecrets(user("owner").tenantId, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: second });

    const deleted = await as("owner").delete("/flows/http-settings/secrets/CRM_TOKEN");
    expect(deleted.status).toBe(204);
    const again = await as("owner").delete("/flows/http-settings/secrets/CRM_TOKEN");
    expect([again.status, again.body.error?.code]).toEqual([404, "SECRET_NOT_FOUND"]);
    expect((await as("owner").get("/flows/http-settings")).body.secretNames).toEqual([]);
    for (const value of [first, second]) {
      for (const response of [put, replaced, read, deleted, again]) expect(textOf(response)).not.toContain(value);
      expect(JSON.stringify(gateway.logs)).not.toContain(value);
    }
  });
});

describe("who may do what", () => {
  it("forbids viewers and agents to replace hosts or write and delete secrets, and changes nothing", async () => {
    await resetSettings("owner");
    await as("owner").put("/flows/http-settings/allowed-hosts", { hosts: ["api.micrm.example"] });
    await as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", { value: "owner-value" });
    for (const role of ["viewer", "agent"]) {
      const forbidden = [
        await as(role).put("/flows/http-settings/allowed-hosts", { hosts: ["evil.example.com"] }),
        await as(role).put("/flows/http-settings/secrets/CRM_TOKEN", { value: "changed-by-a-seller" }),
        await as(role).put("/flows/http-settings/secrets/NEW_TOKEN", { value: "created-by-a-seller" }),
        await as(role).delete("/flows/http-settings/secrets/CRM_TOKEN"),
      ];
      expect(forbidden.map((r) => [r.status, r.body.error?.code])).toEqual(forbidden.map(() => [403, "FORBIDDEN"]));
    }
    expect((await as("owner").get("/flows/http-settings")).body).toEqual({ allowedHosts: ["api.micrm.example"], secretNames: ["CRM_TOKEN"] });
    expect(await orchestrator.httpSettings.resolveSecrets(user("owner").tenantId, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: "owner-value" });
  });
});

describe("bad input", () => {
  it("answers 400 with a stable code for bad hosts, names and values, never echoing a value, and keeps what was stored", async () => {
    await resetSettings("owner");
    await as("owner").put("/flows/http-settings/allowed-hosts", { hosts: ["api.micrm.example"] });
    const codes = async (response: request.Test) => {
      const answered = await response;
      return [answered.status, answered.body.error?.code];
    };
    expect(await codes(as("owner").put("/flows/http-settings/allowed-hosts", { hosts: ["api.micrm.example", "10.0.0.1"] }))).toEqual([400, "HTTP_HOST_INVALID"]);
    expect(await codes(as("owner").put("/flows/http-settings/allowed-hosts", { hosts: ["localhost"] }))).toEqual([400, "HTTP_HOST_INVALID"]);
    expect(await codes(as("owner").put("/flows/http-settings/allowed-hosts", { hosts: ["https://api.micrm.example/leads"] }))).toEqual([400, "HTTP_HOST_INVALID"]);
    expect(await codes(as("owner").put("/flows/http-settings/allowed-hosts", { hosts: Array.from({ length: 51 }, (_, i) => `h${i}.micrm.example`) }))).toEqual([400, "VALIDATION_FAILED"]);
    expect(await codes(as("owner").put("/flows/http-settings/allowed-hosts", { hosts: "api.micrm.example" }))).toEqual([400, "VALIDATION_FAILED"]);
    expect((await as("owner").get("/flows/http-settings")).body.allowedHosts).toEqual(["api.micrm.example"]);

    const badName = await as("owner").put("/flows/http-settings/secrets/crm-token", { value: "abc" });
    expect([badName.status, badName.body.error?.code, badName.body.error?.details]).toEqual([400, "VALIDATION_FAILED", [expect.objectContaining({ path: "name" })]]);
    expect(await codes(as("owner").delete("/flows/http-settings/secrets/crm-token"))).toEqual([400, "VALIDATION_FAILED"]);
    expect(await codes(as("owner").put(`/flows/http-settings/secrets/${"A".repeat(65)}`, { value: "abc" }))).toEqual([400, "VALIDATION_FAILED"]);
    expect(await codes(as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", { value: "" }))).toEqual([400, "VALIDATION_FAILED"]);
    expect(await codes(as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", {}))).toEqual([400, "VALIDATION_FAILED"]);
    const injected = secretValue("injected");
    const notPrintable = await as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", { value: `Bearer ${injected}\r\nX-Injected: 1` });
    expect([notPrintable.status, notPrintable.body.error?.code]).toEqual([400, "SECRET_VALUE_INVALID"]);
    const tooLong = secretValue("long");
    const overLimit = await as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", { value: tooLong.padEnd(4097, "x") });
    expect([overLimit.status, overLimit.body.error?.code]).toEqual([400, "VALIDATION_FAILED"]);
    for (const [response, value] of [[notPrintable, injected], [overLimit, tooLong]] as const) expect(textOf(response)).not.toContain(value);
    expect((await as("owner").get("/flows/http-settings")).body.secretNames).toEqual([]);
  });
});

describe("the literal path", () => {
  it("serves GET /flows/http-settings as the settings, never as a flow id, while a malformed flow id is still a 400", async () => {
    const settings = await as("viewer").get("/flows/http-settings");
    expect(settings.status).toBe(200);
    expect(Object.keys(settings.body).sort()).toEqual(["allowedHosts", "secretNames"]);
    const notAFlow = await as("viewer").get("/flows/http-settingz");
    expect([notAFlow.status, notAFlow.body.error?.code]).toEqual([400, "VALIDATION_FAILED"]);
  });
});

describe("another tenant", () => {
  it("sees none of the tenant's hosts or secret names, deletes none of its secrets, and writes only its own", async () => {
    await resetSettings("owner");
    await resetSettings("stranger");
    await as("owner").put("/flows/http-settings/allowed-hosts", { hosts: ["api.micrm.example"] });
    await as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", { value: "joyeria-value" });

    expect((await as("stranger").get("/flows/http-settings")).body).toEqual({ allowedHosts: [], secretNames: [] });
    const missing = await as("stranger").delete("/flows/http-settings/secrets/CRM_TOKEN");
    expect([missing.status, missing.body.error?.code]).toEqual([404, "SECRET_NOT_FOUND"]);
    expect((await as("stranger").put("/flows/http-settings/secrets/CRM_TOKEN", { value: "otra-value" })).status).toBe(204);
    expect((await as("stranger").put("/flows/http-settings/allowed-hosts", { hosts: ["api.otra.example"] })).body).toEqual({ allowedHosts: ["api.otra.example"] });

    expect((await as("owner").get("/flows/http-settings")).body).toEqual({ allowedHosts: ["api.micrm.example"], secretNames: ["CRM_TOKEN"] });
    expect(await orchestrator.httpSettings.resolveSecrets(user("owner").tenantId, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: "joyeria-value" });
    expect(await orchestrator.httpSettings.resolveSecrets(user("stranger").tenantId, ["CRM_TOKEN"])).toEqual({ CRM_TOKEN: "otra-value" });
  });
});

describe("activation", () => {
  it("refuses a flow naming a secret the tenant lacks with 422 secret_unknown at its header, and activates it once the secret is put", async () => {
    await resetSettings("owner");
    const crmFlow = {
      schemaVersion: 1,
      id: "crm",
      name: "Registro en el CRM",
      start: "registrar",
      triggers: [{ type: "keyword", keywords: ["hola"] }],
      steps: {
        registrar: { kind: "http", method: "POST", url: "https://api.micrm.example/leads", headers: [{ name: "Authorization", secret: "CRM_TOKEN", prefix: "Bearer " }], timeoutMs: 5000, next: "fin", onError: "fin" },
        fin: { kind: "end" },
      },
    };
    const created = await as("owner").post("/flows", { botId: null, definition: crmFlow });
    expect(created.status).toBe(201);
    const flowId = String(created.body.flow.id);
    const problem = { path: "/steps/registrar/headers/0/secret", code: "secret_unknown" };

    expect((await as("viewer").post(`/flows/${flowId}/validate`)).body).toMatchObject({ ok: false, problems: [problem] });
    const refused = await as("owner").post(`/flows/${flowId}/versions/1/activate`);
    expect([refused.status, refused.body.error?.code, refused.body.error?.details?.problems]).toEqual([422, "FLOW_INVALID", [expect.objectContaining(problem)]]);

    expect((await as("owner").put("/flows/http-settings/secrets/CRM_TOKEN", { value: "crm-value" })).status).toBe(204);
    expect((await as("viewer").post(`/flows/${flowId}/validate`)).body).toMatchObject({ ok: true, problems: [] });
    const activated = await as("owner").post(`/flows/${flowId}/versions/1/activate`);
    expect([activated.status, activated.body.flow?.activeVersion]).toEqual([200, 1]);
  });
});
