// Flows and their versions in the orchestrator's schema. Every method takes the tenant and filters
// by it: another tenant's flow is simply not found. Which version runs is flows.active_version (one
// source of truth); the database allows one active main flow per bot and one per tenant default.
// Writes that depend on what is stored (saving a draft, activating) lock the rows they read first.
import type pg from "pg";
import { AppError, inTransaction } from "@fleet/service-kit";

const UNIQUE_VIOLATION = "23505";
const SCOPE_SLUG_INDEX = "flows_scope_slug_idx";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The tenant-default scope's key in the indexes (bot_id NULL). */
const DEFAULT_SCOPE = "00000000-0000-0000-0000-000000000000";

export type FlowKind = "main" | "subflow";
/** draft: editable; active: the version that runs; archived: activated before, frozen. */
export type FlowVersionStatus = "draft" | "active" | "archived";

export interface FlowRecord {
  id: string;
  tenantId: string;
  /** Null: the tenant's default scope, for bots without a flow of their own. */
  botId: string | null;
  /** The flow document's id. */
  slug: string;
  kind: FlowKind;
  name: string;
  activeVersion: number | null;
  latestVersion: number;
  /** Counts saved definitions (creation is 1). */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface FlowVersionSummary {
  version: number;
  status: FlowVersionStatus;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  updatedBy: string | null;
  activatedAt: Date | null;
  activatedBy: string | null;
}

export interface StoredFlowVersion extends FlowVersionSummary {
  /** The flow document as stored (not validated: drafts may be work in progress). */
  definition: unknown;
}

export interface FlowDetail {
  flow: FlowRecord;
  /** Newest first. */
  versions: FlowVersionSummary[];
}

/** A version as the engine loads it: the document with the flow it belongs to. */
export interface LoadedFlowVersion {
  flowId: string;
  tenantId: string;
  botId: string | null;
  slug: string;
  kind: FlowKind;
  version: number;
  definition: unknown;
}

export interface NewFlow {
  tenantId: string;
  botId: string | null;
  kind: FlowKind;
  slug: string;
  name: string;
  definition: unknown;
  userId: string | null;
}

export interface DraftInput {
  tenantId: string;
  flowId: string;
  name: string;
  definition: unknown;
  userId: string | null;
  /** The latest version number the editor saw; a newer one is a conflict. */
  expectedVersion?: number;
  /** The revision the editor saw; another save since is a conflict. */
  expectedRevision?: number;
}

/** What an activation checks before anything changes, read under the activation's locks. */
export interface ActivationCandidate {
  flow: FlowRecord;
  version: StoredFlowVersion;
  /** Slugs of the other flows of the same scope (what `goto {flow}` may name). */
  otherSlugs: string[];
}

export interface Activation {
  flow: FlowRecord;
  /** The scope's main flow that stopped being active, if another one was. */
  deactivatedFlowId: string | null;
}

export const flowNotFound = () => new AppError("not_found", "FLOW_NOT_FOUND", "Flow not found");
export const flowVersionNotFound = (version: number) => new AppError("not_found", "FLOW_VERSION_NOT_FOUND", `The flow has no version ${version}`, { details: { version } });

interface FlowRow {
  id: string;
  tenant_id: string;
  bot_id: string | null;
  slug: string;
  kind: FlowKind;
  name: string;
  active_version: number | null;
  latest_version: number;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

interface VersionRow {
  version: number;
  status: "draft" | "published";
  active: boolean;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  updated_by: string | null;
  activated_at: Date | null;
  activated_by: string | null;
  definition?: unknown;
}

interface LoadedRow {
  flow_id: string;
  tenant_id: string;
  bot_id: string | null;
  slug: string;
  kind: FlowKind;
  version: number;
  definition: unknown;
}

type Queryable = pg.Pool | pg.PoolClient;

const FLOW_COLUMNS = `f.id, f.tenant_id, f.bot_id, f.slug, f.kind, f.name, f.active_version, f.revision, f.created_at, f.updated_at,
  (SELECT max(v.version) FROM flow_versions v WHERE v.flow_id = f.id) AS latest_version`;
const VERSION_COLUMNS = `v.version, v.status, v.version = f.active_version AS active, v.created_at, v.created_by, v.updated_at, v.updated_by, v.activated_at, v.activated_by`;
const LOADED_COLUMNS = `f.id AS flow_id, f.tenant_id, f.bot_id, f.slug, f.kind, v.version, v.definition`;
/** The flow's scope as the indexes spell it. */
const SCOPE = `coalesce(f.bot_id, '${DEFAULT_SCOPE}'::uuid)`;

function isUuid(value: string): boolean {
  return UUID.test(value);
}

function flowOf(row: FlowRow): FlowRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    botId: row.bot_id,
    slug: row.slug,
    kind: row.kind,
    name: row.name,
    activeVersion: row.active_version,
    latestVersion: row.latest_version,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function summaryOf(row: VersionRow): FlowVersionSummary {
  return {
    version: row.version,
    status: row.active ? "active" : row.status === "draft" ? "draft" : "archived",
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    activatedAt: row.activated_at,
    activatedBy: row.activated_by,
  };
}

function storedOf(row: VersionRow): StoredFlowVersion {
  return { ...summaryOf(row), definition: row.definition };
}

function loadedOf(row: LoadedRow): LoadedFlowVersion {
  return { flowId: row.flow_id, tenantId: row.tenant_id, botId: row.bot_id, slug: row.slug, kind: row.kind, version: row.version, definition: row.definition };
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return error instanceof Error && "code" in error && error.code === UNIQUE_VIOLATION && "constraint" in error && error.constraint === constraint;
}

async function flowRow(db: Queryable, tenantId: string, flowId: string): Promise<FlowRecord | null> {
  const { rows } = await db.query<FlowRow>(`SELECT ${FLOW_COLUMNS} FROM flows f WHERE f.id = $1 AND f.tenant_id = $2`, [flowId, tenantId]);
  const row = rows[0];
  return row ? flowOf(row) : null;
}

async function versionRow(db: Queryable, flowId: string, version: number | "latest"): Promise<StoredFlowVersion | null> {
  const { rows } = await db.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS}, v.definition FROM flow_versions v JOIN flows f ON f.id = v.flow_id
     WHERE v.flow_id = $1 AND ($2::integer IS NULL OR v.version = $2) ORDER BY v.version DESC LIMIT 1`,
    [flowId, version === "latest" ? null : version],
  );
  const row = rows[0];
  return row ? storedOf(row) : null;
}

export function createFlowsRepository(pool: pg.Pool) {
  return {
    /** A new flow with its definition as version 1, a draft. conflict FLOW_SLUG_TAKEN when its scope has the slug. */
    async create(input: NewFlow): Promise<{ flow: FlowRecord; version: StoredFlowVersion }> {
      try {
        return await inTransaction(pool, async (client) => {
          const { rows } = await client.query<{ id: string }>(
            "INSERT INTO flows (tenant_id, bot_id, slug, kind, name) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            [input.tenantId, input.botId, input.slug, input.kind, input.name],
          );
          const id = rows[0]?.id;
          if (!id) throw new Error("INSERT INTO flows returned no id");
          await client.query("INSERT INTO flow_versions (flow_id, version, status, definition, created_by, updated_by) VALUES ($1, 1, 'draft', $2::jsonb, $3, $3)", [
            id,
            JSON.stringify(input.definition),
            input.userId,
          ]);
          const flow = await flowRow(client, input.tenantId, id);
          const version = await versionRow(client, id, 1);
          if (!flow || !version) throw new Error("the flow just created cannot be read back");
          return { flow, version };
        });
      } catch (error) {
        if (isUniqueViolation(error, SCOPE_SLUG_INDEX)) {
          const scope = input.botId === null ? "the tenant's default flows" : "this bot's flows";
          throw new AppError("conflict", "FLOW_SLUG_TAKEN", `A flow with id "${input.slug}" already exists among ${scope}`, { details: { slug: input.slug } });
        }
        throw error;
      }
    },

    /**
     * Saves a definition: replaces the latest version while it is a draft, otherwise adds the next
     * version as a draft. conflict FLOW_VERSION_CONFLICT when the editor's expected version or
     * revision is no longer the latest.
     */
    async saveDraft(input: DraftInput): Promise<{ flow: FlowRecord; version: StoredFlowVersion; created: boolean }> {
      if (!isUuid(input.tenantId) || !isUuid(input.flowId)) throw flowNotFound();
      return inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ revision: number }>("SELECT revision FROM flows WHERE id = $1 AND tenant_id = $2 FOR UPDATE", [input.flowId, input.tenantId]);
        const locked = rows[0];
        if (!locked) throw flowNotFound();
        const latest = await versionRow(client, input.flowId, "latest");
        if (!latest) throw new Error(`flow ${input.flowId} has no version`);
        const staleVersion = input.expectedVersion !== undefined && input.expectedVersion !== latest.version;
        const staleRevision = input.expectedRevision !== undefined && input.expectedRevision !== locked.revision;
        if (staleVersion || staleRevision) {
          throw new AppError("conflict", "FLOW_VERSION_CONFLICT", "The flow was saved by someone else since you opened it; reload it and apply your changes again", {
            details: { latestVersion: latest.version, revision: locked.revision },
          });
        }
        const definition = JSON.stringify(input.definition);
        const created = latest.status !== "draft";
        const version = created ? latest.version + 1 : latest.version;
        if (created) {
          await client.query("INSERT INTO flow_versions (flow_id, version, status, definition, created_by, updated_by) VALUES ($1, $2, 'draft', $3::jsonb, $4, $4)", [
            input.flowId,
            version,
            definition,
            input.userId,
          ]);
        } else {
          await client.query("UPDATE flow_versions SET definition = $3::jsonb, updated_at = now(), updated_by = $4 WHERE flow_id = $1 AND version = $2", [
            input.flowId,
            version,
            definition,
            input.userId,
          ]);
        }
        await client.query("UPDATE flows SET name = $2, revision = revision + 1, updated_at = now() WHERE id = $1", [input.flowId, input.name]);
        const flow = await flowRow(client, input.tenantId, input.flowId);
        const saved = await versionRow(client, input.flowId, version);
        if (!flow || !saved) throw new Error("the flow just saved cannot be read back");
        return { flow, version: saved, created };
      });
    },

    /** The flow with the summaries of its versions, newest first. */
    async find(tenantId: string, flowId: string): Promise<FlowDetail | null> {
      if (!isUuid(tenantId) || !isUuid(flowId)) return null;
      const flow = await flowRow(pool, tenantId, flowId);
      if (!flow) return null;
      const { rows } = await pool.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM flow_versions v JOIN flows f ON f.id = v.flow_id WHERE v.flow_id = $1 ORDER BY v.version DESC`, [flowId]);
      return { flow, versions: rows.map(summaryOf) };
    },

    /** One version of one of the tenant's flows with its definition ("latest": the newest). */
    async findVersion(tenantId: string, flowId: string, version: number | "latest"): Promise<StoredFlowVersion | null> {
      if (!isUuid(tenantId) || !isUuid(flowId)) return null;
      const { rows } = await pool.query<VersionRow>(
        `SELECT ${VERSION_COLUMNS}, v.definition FROM flow_versions v JOIN flows f ON f.id = v.flow_id
         WHERE v.flow_id = $1 AND f.tenant_id = $2 AND ($3::integer IS NULL OR v.version = $3) ORDER BY v.version DESC LIMIT 1`,
        [flowId, tenantId, version === "latest" ? null : version],
      );
      const row = rows[0];
      return row ? storedOf(row) : null;
    },

    /** The tenant's flows (botId undefined: all; null: the default scope; an id: that bot's), default scope first, main flows first, then by slug. */
    async list(tenantId: string, { botId }: { botId?: string | null } = {}): Promise<FlowRecord[]> {
      if (!isUuid(tenantId) || (typeof botId === "string" && !isUuid(botId))) return [];
      const { rows } = await pool.query<FlowRow>(
        `SELECT ${FLOW_COLUMNS} FROM flows f
         WHERE f.tenant_id = $1 AND ($2::boolean OR ${SCOPE} = coalesce($3::uuid, '${DEFAULT_SCOPE}'::uuid))
         ORDER BY f.bot_id NULLS FIRST, f.kind, f.slug`,
        [tenantId, botId === undefined, botId ?? null],
      );
      return rows.map(flowOf);
    },

    /** Slugs of the flows of a scope (null: the tenant's default), e.g. to check a submitted document's `goto {flow}`. */
    async slugsInScope(tenantId: string, botId: string | null): Promise<string[]> {
      if (!isUuid(tenantId) || (botId !== null && !isUuid(botId))) return [];
      const { rows } = await pool.query<{ slug: string }>(`SELECT f.slug FROM flows f WHERE f.tenant_id = $1 AND ${SCOPE} = coalesce($2::uuid, '${DEFAULT_SCOPE}'::uuid) ORDER BY f.slug`, [tenantId, botId]);
      return rows.map((row) => row.slug);
    },

    /**
     * Makes a version the one that runs, in one transaction: the scope's flows are locked (so
     * activations in one scope, and saves of the flow, take turns), `check` sees the version as
     * stored under those locks and may throw to refuse it, then a main flow takes the place of the
     * scope's active main flow. Activating the active version again changes nothing.
     */
    async activate(input: { tenantId: string; flowId: string; version: number; userId: string | null }, check: (candidate: ActivationCandidate) => void): Promise<Activation> {
      if (!isUuid(input.tenantId) || !isUuid(input.flowId)) throw flowNotFound();
      return inTransaction(pool, async (client) => {
        // Its scope first (never changes), then every flow of the scope locked in id order: concurrent activations cannot deadlock.
        const scope = await client.query<{ bot_id: string | null }>("SELECT bot_id FROM flows WHERE id = $1 AND tenant_id = $2", [input.flowId, input.tenantId]);
        const scopeRow = scope.rows[0];
        if (!scopeRow) throw flowNotFound();
        const { rows: scopeFlows } = await client.query<{ id: string; slug: string; kind: FlowKind; active_version: number | null }>(
          `SELECT f.id, f.slug, f.kind, f.active_version FROM flows f WHERE f.tenant_id = $1 AND ${SCOPE} = coalesce($2::uuid, '${DEFAULT_SCOPE}'::uuid) ORDER BY f.id FOR UPDATE`,
          [input.tenantId, scopeRow.bot_id],
        );
        const flow = await flowRow(client, input.tenantId, input.flowId);
        if (!flow) throw flowNotFound();
        const version = await versionRow(client, input.flowId, input.version);
        if (!version) throw flowVersionNotFound(input.version);
        check({ flow, version, otherSlugs: scopeFlows.filter((f) => f.id !== flow.id).map((f) => f.slug) });
        if (flow.activeVersion === input.version) return { flow, deactivatedFlowId: null };

        const previous = flow.kind === "main" ? scopeFlows.find((f) => f.id !== flow.id && f.kind === "main" && f.active_version !== null) : undefined;
        if (previous) await client.query("UPDATE flows SET active_version = NULL, updated_at = now() WHERE id = $1", [previous.id]);
        await client.query("UPDATE flow_versions SET status = 'published', activated_at = now(), activated_by = $3 WHERE flow_id = $1 AND version = $2", [
          input.flowId,
          input.version,
          input.userId,
        ]);
        await client.query("UPDATE flows SET active_version = $2, updated_at = now() WHERE id = $1", [input.flowId, input.version]);
        const activated = await flowRow(client, input.tenantId, input.flowId);
        if (!activated) throw new Error("the flow just activated cannot be read back");
        return { flow: activated, deactivatedFlowId: previous?.id ?? null };
      });
    },

    /** What a bot runs: its own active main flow, else the tenant default's; null when neither is active. One indexed query. */
    async activeForBot(tenantId: string, botId: string): Promise<LoadedFlowVersion | null> {
      if (!isUuid(tenantId) || !isUuid(botId)) return null;
      const { rows } = await pool.query<LoadedRow>(
        `SELECT ${LOADED_COLUMNS} FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.active_version
         WHERE f.tenant_id = $1 AND ${SCOPE} IN ($2::uuid, '${DEFAULT_SCOPE}'::uuid) AND f.active_version IS NOT NULL AND f.kind = 'main'
         ORDER BY f.bot_id NULLS LAST LIMIT 1`,
        [tenantId, botId],
      );
      const row = rows[0];
      return row ? loadedOf(row) : null;
    },

    /** One version of one of the tenant's flows, as the engine loads it (a conversation keeps the version it started on). */
    async loadVersion(tenantId: string, flowId: string, version: number): Promise<LoadedFlowVersion | null> {
      if (!isUuid(tenantId) || !isUuid(flowId)) return null;
      const { rows } = await pool.query<LoadedRow>(
        `SELECT ${LOADED_COLUMNS} FROM flows f JOIN flow_versions v ON v.flow_id = f.id WHERE f.id = $1 AND f.tenant_id = $2 AND v.version = $3`,
        [flowId, tenantId, version],
      );
      const row = rows[0];
      return row ? loadedOf(row) : null;
    },

    /** The active flow of a scope (null: the tenant's default) with this slug: where `goto {flow}` leads. */
    async activeBySlug(tenantId: string, botId: string | null, slug: string): Promise<LoadedFlowVersion | null> {
      if (!isUuid(tenantId) || (botId !== null && !isUuid(botId))) return null;
      const { rows } = await pool.query<LoadedRow>(
        `SELECT ${LOADED_COLUMNS} FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.active_version
         WHERE f.tenant_id = $1 AND ${SCOPE} = coalesce($2::uuid, '${DEFAULT_SCOPE}'::uuid) AND f.slug = $3`,
        [tenantId, botId, slug],
      );
      const row = rows[0];
      return row ? loadedOf(row) : null;
    },

    /** Every active flow of a scope (subflows and its main flow) by slug, e.g. for a simulation that may `goto` any of them. */
    async activeInScope(tenantId: string, botId: string | null): Promise<Map<string, LoadedFlowVersion>> {
      if (!isUuid(tenantId) || (botId !== null && !isUuid(botId))) return new Map();
      const { rows } = await pool.query<LoadedRow>(
        `SELECT ${LOADED_COLUMNS} FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.active_version
         WHERE f.tenant_id = $1 AND ${SCOPE} = coalesce($2::uuid, '${DEFAULT_SCOPE}'::uuid)`,
        [tenantId, botId],
      );
      return new Map(rows.map((row) => [row.slug, loadedOf(row)]));
    },
  };
}

export type FlowsRepository = ReturnType<typeof createFlowsRepository>;
