// Gives a running fleet's bot a flow: created and activated through the orchestrator's own gRPC
// service (the REST facade over it is the gateway's, tested there).
import { OrchestratorService, FlowKind } from "@fleet/contracts/orchestrator";
import { createServiceClient } from "@fleet/grpc-bridge";
import { asGateway, type FleetBase } from "./fleet.js";

/** Creates `document` as the bot's main flow and activates it; returns the flow's id. */
export async function activateFlow(fleet: Pick<FleetBase, "services" | "tenantId" | "botId">, document: object, botId = fleet.botId): Promise<string> {
  const address = fleet.services["bot-orchestrator"].grpcAddress;
  if (!address) throw new Error("the orchestrator has no gRPC address");
  const client = createServiceClient(OrchestratorService, address, { defaultDeadlineMs: 10_000, auth: asGateway("bot-orchestrator") });
  try {
    const created = await client.createFlow({ tenantId: fleet.tenantId, botId, kind: FlowKind.MAIN, definitionJson: JSON.stringify(document) });
    const flowId = created.flow?.id;
    if (!flowId || !created.version?.summary) throw new Error("CreateFlow answered no flow");
    const activated = await client.activateFlowVersion({ tenantId: fleet.tenantId, flowId, version: created.version.summary.version });
    if (!activated.activated) throw new Error(`the flow does not activate: ${JSON.stringify(activated.problems)}`);
    return flowId;
  } finally {
    client.close();
  }
}
