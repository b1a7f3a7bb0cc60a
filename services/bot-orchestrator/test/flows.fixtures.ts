// Flow documents and a migrated database for the flows tests.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { createPostgresPool } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, type TestDatabase } from "@fleet/testing";

/** A valid flow: greets and ends. */
export function greetingFlow(id: string, name = `Flujo ${id}`) {
  return {
    schemaVersion: 1,
    id,
    name,
    start: "hola",
    triggers: [{ type: "keyword", keywords: ["hola"] }],
    steps: { hola: { kind: "message", text: "¡Hola! 👋", next: "fin" }, fin: { kind: "end", message: "Gracias" } },
  };
}

/** A valid flow (given `target` in its scope) that hands the conversation to another flow. */
export function gotoFlow(id: string, target: string) {
  return {
    schemaVersion: 1,
    id,
    name: `Flujo ${id}`,
    start: "saltar",
    triggers: [{ type: "keyword", keywords: ["menu"] }],
    steps: { saltar: { kind: "goto", flow: target } },
  };
}

/** A flow whose first step leads nowhere: its one problem is step_not_found at /steps/hola/next. */
export function brokenFlow(id: string) {
  const flow = greetingFlow(id);
  return { ...flow, steps: { ...flow.steps, hola: { kind: "message", text: "¡Hola!", next: "nowhere" } } };
}

export interface FlowsDatabase {
  database: TestDatabase;
  /** Pool on the orchestrator schema, as the service has it. */
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function startFlowsDatabase(): Promise<FlowsDatabase> {
  const database = await createTestDatabase();
  const pool = createPostgresPool({ url: database.url, schema: "orchestrator", logger: memoryLogger("bot-orchestrator", "error").logger });
  return {
    database,
    pool,
    async close() {
      await pool.end();
      await database.drop();
    },
  };
}

export const newId = () => randomUUID();
