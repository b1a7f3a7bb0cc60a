// Creates a flow of a bot (or of the tenant's default scope) from its first document, stored as
// version 1, a draft: a draft may be work in progress, so only the document's id (the flow's
// slug for good) and name must be usable now; everything else is checked at activation.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { FlowDocument, type FlowProblem } from "./language/index.js";
import type { FlowKind, FlowRecord, FlowsRepository, StoredFlowVersion } from "../repositories/flows.repository.js";
import { flowInvalid } from "./validate-flow.use-case.js";

const FlowHeader = z.object({ id: FlowDocument.shape.id, name: FlowDocument.shape.name });
const Uuid = z.uuid();

/** The document's id and name, or FLOW_INVALID with their problems. */
export function flowHeader(definition: unknown): { slug: string; name: string } {
  const parsed = FlowHeader.safeParse(definition);
  if (parsed.success) return { slug: parsed.data.id, name: parsed.data.name };
  const problems: FlowProblem[] = parsed.error.issues.map((issue) => ({
    path: issue.path.map((segment) => `/${String(segment)}`).join(""),
    code: `schema_${issue.code}`,
    message: issue.message,
  }));
  throw flowInvalid(problems);
}

export interface CreateFlowInput {
  tenantId: string;
  /** Null: a flow of the tenant's default scope. */
  botId: string | null;
  kind: FlowKind;
  definition: unknown;
  /** Who creates it; null when unknown. */
  userId: string | null;
}

export function createCreateFlow({ flows }: { flows: Pick<FlowsRepository, "create"> }) {
  return async function createFlow(input: CreateFlowInput): Promise<{ flow: FlowRecord; version: StoredFlowVersion }> {
    const problems: string[] = [];
    if (!Uuid.safeParse(input.tenantId).success) problems.push("tenant_id must be a UUID");
    if (input.botId !== null && !Uuid.safeParse(input.botId).success) problems.push("bot_id must be a UUID or empty");
    if (problems.length > 0) throw new AppError("invalid_argument", "INVALID_FLOW_REQUEST", "Invalid flow request", { details: problems });
    const { slug, name } = flowHeader(input.definition);
    return flows.create({ tenantId: input.tenantId, botId: input.botId, kind: input.kind, slug, name, definition: input.definition, userId: input.userId });
  };
}

export type CreateFlow = ReturnType<typeof createCreateFlow>;
