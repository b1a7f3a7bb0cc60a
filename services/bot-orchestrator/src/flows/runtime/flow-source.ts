// Where the engine gets its flows: the bot's active main flow (or the tenant default's) with the
// other active flows of its scope for `goto`, cached for a few seconds per bot (activation takes
// effect within ACTIVE_FLOW_TTL_MS), and each (flow, version) cached for as long as it is used —
// versions never change once stored, and a conversation keeps the version it started with.
import { LRUCache } from "lru-cache";
import { entriesBound } from "@fleet/service-kit";
import { FlowDocument } from "../language/index.js";
import type { LoadedFlowVersion } from "../../repositories/flows.repository.js";
import type { LoadedFlow } from "../engine/compiled-flow.js";

export interface FlowStore {
  activeForBot(tenantId: string, botId: string): Promise<LoadedFlowVersion | null>;
  loadVersion(tenantId: string, flowId: string, version: number): Promise<LoadedFlowVersion | null>;
  activeInScope(tenantId: string, botId: string | null): Promise<Map<string, LoadedFlowVersion>>;
}

/** What a bot runs now: its entry flow and the flows `goto` may enter, by slug. */
export interface BotFlows {
  entry: LoadedFlow | null;
  bySlug: ReadonlyMap<string, LoadedFlow>;
}

export interface FlowSourceOptions {
  /** How long a bot's active flows are reused before asking Postgres again. */
  activeTtlMs: number;
  /** Flow versions kept parsed in memory. */
  maxVersions?: number;
  maxBots?: number;
}

export function createFlowSource(store: FlowStore, { activeTtlMs, maxVersions = 2000, maxBots = 20_000 }: FlowSourceOptions) {
  const versions = new LRUCache<string, LoadedFlow>({ ...entriesBound(maxVersions) });
  const bots = new LRUCache<string, BotFlows>({ ...entriesBound(maxBots), ttl: activeTtlMs });
  // Concurrent turns of one bot share one load.
  const inFlight = new Map<string, Promise<BotFlows>>();

  /** A stored version as the engine runs it; the same object every time, so its compilation is reused. */
  function loaded(row: LoadedFlowVersion): LoadedFlow | null {
    const key = `${row.flowId}:${row.version}`;
    const cached = versions.get(key);
    if (cached) return cached;
    // Validated when activated; parsed again because it comes from outside the process.
    const parsed = FlowDocument.safeParse(row.definition);
    if (!parsed.success) return null;
    const flow: LoadedFlow = { id: row.flowId, version: row.version, document: parsed.data };
    versions.set(key, flow);
    return flow;
  }

  async function loadBot(tenantId: string, botId: string): Promise<BotFlows> {
    const active = await store.activeForBot(tenantId, botId);
    const entry = active ? loaded(active) : null;
    const scope = active ? await store.activeInScope(tenantId, active.botId) : new Map<string, LoadedFlowVersion>();
    const bySlug = new Map<string, LoadedFlow>();
    for (const [slug, row] of scope) {
      const flow = loaded(row);
      if (flow) bySlug.set(slug, flow);
    }
    return { entry, bySlug };
  }

  return {
    async forBot(tenantId: string, botId: string): Promise<BotFlows> {
      const key = `${tenantId}:${botId}`;
      const cached = bots.get(key);
      if (cached) return cached;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = loadBot(tenantId, botId).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const flows = await pending;
      bots.set(key, flows);
      return flows;
    },

    /** One version of a flow (the one a conversation started with). */
    async version(tenantId: string, flowId: string, version: number): Promise<LoadedFlow | null> {
      const cached = versions.get(`${flowId}:${version}`);
      if (cached) return cached;
      const row = await store.loadVersion(tenantId, flowId, version);
      return row ? loaded(row) : null;
    },

    /** Forgets what is cached for a bot (after an activation through this replica). */
    invalidate(tenantId: string, botId?: string): void {
      if (botId !== undefined) {
        bots.delete(`${tenantId}:${botId}`);
        return;
      }
      for (const key of bots.keys()) if (key.startsWith(`${tenantId}:`)) bots.delete(key);
    },
  };
}

export type FlowSource = ReturnType<typeof createFlowSource>;
