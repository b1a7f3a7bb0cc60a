// The flows repository on real Postgres: the one-active-main-flow rule held by the database
// itself (even against raw SQL), activation swapping a bot's flow with no moment without one,
// drafts and their optimistic concurrency, the engine's lookups and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AppError } from "@fleet/service-kit";
import { createFlowsRepository, type FlowsRepository, type NewFlow } from "../src/repositories/flows.repository.js";
import { greetingFlow, newId, startFlowsDatabase, type FlowsDatabase } from "./flows.fixtures.js";
import { rejectionOf as rejection } from "@fleet/testing";

let db: FlowsDatabase;
let flows: FlowsRepository;

beforeAll(async () => {
  db = await startFlowsDatabase();
  flows = createFlowsRepository(db.pool);
});

afterAll(async () => {
  await db?.close();
});

const accept = () => {};

function newFlow(tenantId: string, botId: string | null, slug: string, overrides: Partial<NewFlow> = {}): NewFlow {
  return { tenantId, botId, kind: "main", slug, name: `Flujo ${slug}`, definition: greetingFlow(slug), userId: "user-1", ...overrides };
}


/** The Postgres error a raw statement fails with. */
async function sqlError(sql: string, params: unknown[]): Promise<{ code?: string; constraint?: string }> {
  try {
    await db.pool.query(sql, params);
  } catch (error) {
    if (error instanceof Error) return { code: "code" in error ? String(error.code) : undefined, constraint: "constraint" in error ? String(error.constraint) : undefined };
    throw error;
  }
  throw new Error("expected the statement to fail, but it succeeded");
}

describe("the database's own rules", () => {
  it("refuses a second active main flow for the same bot even when the repository is bypassed", async () => {
    const tenantId = newId();
    const botId = newId();
    const first = await flows.create(newFlow(tenantId, botId, "bienvenida"));
    const second = await flows.create(newFlow(tenantId, botId, "promo"));
    await db.pool.query("UPDATE flows SET active_version = 1 WHERE id = $1", [first.flow.id]);
    expect(await sqlError("UPDATE flows SET active_version = 1 WHERE id = $1", [second.flow.id])).toEqual({ code: "23505", constraint: "flows_one_active_main_idx" });
  });

  it("refuses a second active main flow for the tenant's default scope (bot_id NULL), but not for another bot", async () => {
    const tenantId = newId();
    const first = await flows.create(newFlow(tenantId, null, "bienvenida"));
    const second = await flows.create(newFlow(tenantId, null, "promo"));
    const ownBot = await flows.create(newFlow(tenantId, newId(), "bienvenida"));
    await db.pool.query("UPDATE flows SET active_version = 1 WHERE id = ANY($1)", [[first.flow.id, ownBot.flow.id]]);
    expect(await sqlError("UPDATE flows SET active_version = 1 WHERE id = $1", [second.flow.id])).toEqual({ code: "23505", constraint: "flows_one_active_main_idx" });
  });

  it("lets subflows be active beside the main flow", async () => {
    const tenantId = newId();
    const botId = newId();
    const main = await flows.create(newFlow(tenantId, botId, "bienvenida"));
    const catalogue = await flows.create(newFlow(tenantId, botId, "catalogo", { kind: "subflow" }));
    const orders = await flows.create(newFlow(tenantId, botId, "pedidos", { kind: "subflow" }));
    await db.pool.query("UPDATE flows SET active_version = 1 WHERE id = ANY($1)", [[main.flow.id, catalogue.flow.id, orders.flow.id]]);
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM flows WHERE tenant_id = $1 AND active_version IS NOT NULL", [tenantId]);
    expect(rows[0]?.n).toBe(3);
  });

  it("refuses an active version the flow does not have", async () => {
    const created = await flows.create(newFlow(newId(), newId(), "bienvenida"));
    expect(await sqlError("UPDATE flows SET active_version = 7 WHERE id = $1", [created.flow.id])).toMatchObject({ code: "23503" });
  });

  it("refuses a slug used twice in one scope, and a slug that is not a flow id", async () => {
    const tenantId = newId();
    const botId = newId();
    await flows.create(newFlow(tenantId, botId, "bienvenida"));
    const taken = await rejection(flows.create(newFlow(tenantId, botId, "bienvenida")));
    expect(taken).toMatchObject({ kind: "conflict", code: "FLOW_SLUG_TAKEN" });
    // The same slug in another scope is another flow.
    await expect(flows.create(newFlow(tenantId, null, "bienvenida"))).resolves.toBeDefined();
    await expect(flows.create(newFlow(tenantId, newId(), "bienvenida"))).resolves.toBeDefined();
    await expect(flows.create(newFlow(newId(), botId, "bienvenida"))).resolves.toBeDefined();
    expect(await sqlError("INSERT INTO flows (tenant_id, slug, name) VALUES ($1, 'Con Espacios', 'x')", [tenantId])).toMatchObject({ code: "23514" });
  });
});

describe("drafts", () => {
  it("creates a flow with version 1 as a draft, recording who created it", async () => {
    const tenantId = newId();
    const { flow, version } = await flows.create(newFlow(tenantId, null, "bienvenida"));
    expect(flow).toMatchObject({ tenantId, botId: null, slug: "bienvenida", kind: "main", activeVersion: null, latestVersion: 1, revision: 1 });
    expect(version).toMatchObject({ version: 1, status: "draft", createdBy: "user-1", activatedAt: null, definition: greetingFlow("bienvenida") });
  });

  it("replaces the draft in place, then starts version 2 once version 1 was activated", async () => {
    const tenantId = newId();
    const { flow } = await flows.create(newFlow(tenantId, newId(), "bienvenida"));
    const edited = { ...greetingFlow("bienvenida"), name: "Bienvenida editada" };
    const replaced = await flows.saveDraft({ tenantId, flowId: flow.id, name: edited.name, definition: edited, userId: "user-2", expectedVersion: 1, expectedRevision: 1 });
    expect(replaced).toMatchObject({ created: false, version: { version: 1, status: "draft", createdBy: "user-1", updatedBy: "user-2", definition: edited }, flow: { name: "Bienvenida editada", revision: 2 } });

    await flows.activate({ tenantId, flowId: flow.id, version: 1, userId: "user-3" }, accept);
    const next = await flows.saveDraft({ tenantId, flowId: flow.id, name: "Bienvenida v2", definition: greetingFlow("bienvenida", "Bienvenida v2"), userId: "user-2", expectedVersion: 1 });
    expect(next).toMatchObject({ created: true, version: { version: 2, status: "draft" }, flow: { activeVersion: 1, latestVersion: 2, revision: 3 } });
    const detail = await flows.find(tenantId, flow.id);
    expect(detail?.versions.map((v) => [v.version, v.status, v.activatedBy])).toEqual([
      [2, "draft", null],
      [1, "active", "user-3"],
    ]);
    // The running version kept its document.
    expect((await flows.findVersion(tenantId, flow.id, 1))?.definition).toEqual(edited);
  });

  it("refuses a save whose expected version is no longer the latest, and changes nothing", async () => {
    const tenantId = newId();
    const { flow } = await flows.create(newFlow(tenantId, null, "bienvenida"));
    await flows.activate({ tenantId, flowId: flow.id, version: 1, userId: null }, accept);
    await flows.saveDraft({ tenantId, flowId: flow.id, name: "v2", definition: greetingFlow("bienvenida", "v2"), userId: null, expectedVersion: 1 });
    const stale = await rejection(flows.saveDraft({ tenantId, flowId: flow.id, name: "mine", definition: greetingFlow("bienvenida", "mine"), userId: null, expectedVersion: 1 }));
    expect(stale).toMatchObject({ kind: "conflict", code: "FLOW_VERSION_CONFLICT", details: { latestVersion: 2, revision: 2 } });
    expect((await flows.findVersion(tenantId, flow.id, "latest"))?.definition).toEqual(greetingFlow("bienvenida", "v2"));
  });

  it("refuses a save over someone else's save of the same draft (stale revision)", async () => {
    const tenantId = newId();
    const { flow } = await flows.create(newFlow(tenantId, null, "bienvenida"));
    await flows.saveDraft({ tenantId, flowId: flow.id, name: "Ana", definition: greetingFlow("bienvenida", "Ana"), userId: "ana", expectedVersion: 1, expectedRevision: 1 });
    // Bruno opened the flow at revision 1 too: the version number alone would not notice.
    const stale = await rejection(flows.saveDraft({ tenantId, flowId: flow.id, name: "Bruno", definition: greetingFlow("bienvenida", "Bruno"), userId: "bruno", expectedVersion: 1, expectedRevision: 1 }));
    expect(stale).toMatchObject({ code: "FLOW_VERSION_CONFLICT" });
    expect((await flows.findVersion(tenantId, flow.id, 1))?.definition).toEqual(greetingFlow("bienvenida", "Ana"));
  });
});

describe("activation", () => {
  it("swaps the bot's active main flow: the new one runs, the old one stops, its version is archived", async () => {
    const tenantId = newId();
    const botId = newId();
    const a = await flows.create(newFlow(tenantId, botId, "bienvenida"));
    const b = await flows.create(newFlow(tenantId, botId, "navidad"));
    const first = await flows.activate({ tenantId, flowId: a.flow.id, version: 1, userId: "u" }, accept);
    expect(first).toMatchObject({ flow: { activeVersion: 1 }, deactivatedFlowId: null });
    const swap = await flows.activate({ tenantId, flowId: b.flow.id, version: 1, userId: "u" }, accept);
    expect(swap).toMatchObject({ flow: { id: b.flow.id, activeVersion: 1 }, deactivatedFlowId: a.flow.id });
    expect((await flows.activeForBot(tenantId, botId))?.flowId).toBe(b.flow.id);
    const old = await flows.find(tenantId, a.flow.id);
    expect(old?.flow.activeVersion).toBeNull();
    expect(old?.versions[0]?.status).toBe("archived");
  });

  it("never leaves the bot without a flow while activations swap it, even concurrently", async () => {
    const tenantId = newId();
    const botId = newId();
    const ids = [];
    for (const slug of ["uno", "dos", "tres"]) ids.push((await flows.create(newFlow(tenantId, botId, slug))).flow.id);
    await flows.activate({ tenantId, flowId: ids[0] ?? "", version: 1, userId: null }, accept);
    let swapping = true;
    const seen: (string | null)[] = [];
    const reader = (async () => {
      while (swapping) seen.push((await flows.activeForBot(tenantId, botId))?.flowId ?? null);
    })();
    // Three activations at a time in one scope, ten rounds: they take turns instead of failing.
    for (let round = 0; round < 10; round++) {
      await Promise.all(ids.map((flowId) => flows.activate({ tenantId, flowId, version: 1, userId: null }, accept)));
    }
    swapping = false;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((id) => id === null)).toEqual([]);
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM flows WHERE tenant_id = $1 AND active_version IS NOT NULL", [tenantId]);
    expect(rows[0]?.n).toBe(1);
  });

  it("changes nothing when the check refuses the version", async () => {
    const tenantId = newId();
    const botId = newId();
    const a = await flows.create(newFlow(tenantId, botId, "bienvenida"));
    const b = await flows.create(newFlow(tenantId, botId, "navidad"));
    await flows.activate({ tenantId, flowId: a.flow.id, version: 1, userId: null }, accept);
    const refusal = new AppError("invalid_argument", "FLOW_INVALID", "no");
    const seen: unknown[] = [];
    const error = await rejection(
      flows.activate({ tenantId, flowId: b.flow.id, version: 1, userId: null }, (candidate) => {
        seen.push({ slug: candidate.flow.slug, version: candidate.version.version, otherSlugs: candidate.otherSlugs });
        throw refusal;
      }),
    );
    expect(error).toBe(refusal);
    expect(seen).toEqual([{ slug: "navidad", version: 1, otherSlugs: ["bienvenida"] }]);
    expect((await flows.activeForBot(tenantId, botId))?.flowId).toBe(a.flow.id);
    expect((await flows.find(tenantId, b.flow.id))?.versions[0]?.status).toBe("draft");
  });

  it("activates a subflow without touching the scope's main flow", async () => {
    const tenantId = newId();
    const botId = newId();
    const main = await flows.create(newFlow(tenantId, botId, "bienvenida"));
    const sub = await flows.create(newFlow(tenantId, botId, "catalogo", { kind: "subflow" }));
    await flows.activate({ tenantId, flowId: main.flow.id, version: 1, userId: null }, accept);
    expect(await flows.activate({ tenantId, flowId: sub.flow.id, version: 1, userId: null }, accept)).toMatchObject({ deactivatedFlowId: null });
    expect((await flows.activeForBot(tenantId, botId))?.flowId).toBe(main.flow.id);
  });

  it("answers FLOW_VERSION_NOT_FOUND for a version the flow does not have", async () => {
    const tenantId = newId();
    const { flow } = await flows.create(newFlow(tenantId, null, "bienvenida"));
    expect(await rejection(flows.activate({ tenantId, flowId: flow.id, version: 2, userId: null }, accept))).toMatchObject({ kind: "not_found", code: "FLOW_VERSION_NOT_FOUND" });
  });
});

describe("what the engine loads", () => {
  it("runs the bot's own main flow, else the tenant default's, else nothing", async () => {
    const tenantId = newId();
    const botWithOwn = newId();
    const botWithout = newId();
    expect(await flows.activeForBot(tenantId, botWithout)).toBeNull();
    const fallback = await flows.create(newFlow(tenantId, null, "general"));
    await flows.activate({ tenantId, flowId: fallback.flow.id, version: 1, userId: null }, accept);
    const own = await flows.create(newFlow(tenantId, botWithOwn, "tienda"));
    await flows.activate({ tenantId, flowId: own.flow.id, version: 1, userId: null }, accept);
    expect(await flows.activeForBot(tenantId, botWithOwn)).toEqual({ flowId: own.flow.id, tenantId, botId: botWithOwn, slug: "tienda", kind: "main", version: 1, definition: greetingFlow("tienda") });
    expect(await flows.activeForBot(tenantId, botWithout)).toMatchObject({ flowId: fallback.flow.id, botId: null, slug: "general" });
    // Another tenant's bot never gets this tenant's default.
    expect(await flows.activeForBot(newId(), botWithout)).toBeNull();
  });

  it("loads a version by flow and number, and the active flows of a scope by slug", async () => {
    const tenantId = newId();
    const botId = newId();
    const main = await flows.create(newFlow(tenantId, botId, "bienvenida"));
    const sub = await flows.create(newFlow(tenantId, botId, "catalogo", { kind: "subflow" }));
    await flows.create(newFlow(tenantId, botId, "borrador", { kind: "subflow" }));
    await flows.create(newFlow(tenantId, null, "catalogo", { kind: "subflow" }));
    for (const id of [main.flow.id, sub.flow.id]) await flows.activate({ tenantId, flowId: id, version: 1, userId: null }, accept);
    await flows.saveDraft({ tenantId, flowId: main.flow.id, name: "v2", definition: greetingFlow("bienvenida", "v2"), userId: null });

    expect((await flows.loadVersion(tenantId, main.flow.id, 2))?.definition).toEqual(greetingFlow("bienvenida", "v2"));
    expect((await flows.loadVersion(tenantId, main.flow.id, 1))?.definition).toEqual(greetingFlow("bienvenida"));
    expect(await flows.loadVersion(tenantId, main.flow.id, 3)).toBeNull();
    expect(await flows.activeBySlug(tenantId, botId, "catalogo")).toMatchObject({ flowId: sub.flow.id, kind: "subflow", version: 1 });
    expect(await flows.activeBySlug(tenantId, botId, "borrador")).toBeNull();
    expect(await flows.activeBySlug(tenantId, null, "catalogo")).toBeNull();
    expect([...(await flows.activeInScope(tenantId, botId)).keys()].sort()).toEqual(["bienvenida", "catalogo"]);
  });
});

describe("tenant isolation", () => {
  it("never finds, saves or activates another tenant's flow, and lists only the tenant's own", async () => {
    const owner = newId();
    const intruder = newId();
    const botId = newId();
    const { flow } = await flows.create(newFlow(owner, botId, "bienvenida"));
    await flows.create(newFlow(intruder, null, "propio"));

    expect(await flows.find(intruder, flow.id)).toBeNull();
    expect(await flows.findVersion(intruder, flow.id, 1)).toBeNull();
    expect(await flows.loadVersion(intruder, flow.id, 1)).toBeNull();
    expect(await rejection(flows.saveDraft({ tenantId: intruder, flowId: flow.id, name: "x", definition: {}, userId: null }))).toMatchObject({ code: "FLOW_NOT_FOUND" });
    expect(await rejection(flows.activate({ tenantId: intruder, flowId: flow.id, version: 1, userId: null }, accept))).toMatchObject({ code: "FLOW_NOT_FOUND" });
    expect((await flows.list(intruder)).map((f) => f.slug)).toEqual(["propio"]);
    expect(await flows.list(intruder, { botId })).toEqual([]);
    expect((await flows.find(owner, flow.id))?.versions.map((v) => v.status)).toEqual(["draft"]);
  });

  it("treats malformed ids as not found, never as a database error", async () => {
    expect(await flows.find("not-a-uuid", newId())).toBeNull();
    expect(await flows.find(newId(), "../etc")).toBeNull();
    expect(await flows.list("x")).toEqual([]);
    expect(await flows.activeForBot(newId(), "x")).toBeNull();
    expect(await rejection(flows.activate({ tenantId: newId(), flowId: "x", version: 1, userId: null }, accept))).toMatchObject({ code: "FLOW_NOT_FOUND" });
  });
});

describe("listing", () => {
  it("lists the default scope first, main flows before subflows, and filters by scope", async () => {
    const tenantId = newId();
    const botId = newId();
    await flows.create(newFlow(tenantId, botId, "zeta", { kind: "subflow" }));
    await flows.create(newFlow(tenantId, botId, "tienda"));
    await flows.create(newFlow(tenantId, null, "general"));
    expect((await flows.list(tenantId)).map((f) => [f.botId, f.slug])).toEqual([
      [null, "general"],
      [botId, "tienda"],
      [botId, "zeta"],
    ]);
    expect((await flows.list(tenantId, { botId: null })).map((f) => f.slug)).toEqual(["general"]);
    expect((await flows.list(tenantId, { botId })).map((f) => f.slug)).toEqual(["tienda", "zeta"]);
    expect(await flows.slugsInScope(tenantId, botId)).toEqual(["tienda", "zeta"]);
  });
});
