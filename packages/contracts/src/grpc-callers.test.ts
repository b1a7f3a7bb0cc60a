// The callers policy names exactly the fleet's gRPC methods: a method missing from it would be
// refused to everyone once servers authenticate, and a stale name would hide a renamed method.
import { describe, expect, it } from "@jest/globals";
import { AdapterService } from "./gen/fleet/adapter/v1/adapter_pb.js";
import { AnalyticsService } from "./gen/fleet/analytics/v1/analytics_pb.js";
import { CommerceService } from "./gen/fleet/gateway/v1/commerce_pb.js";
import { OrchestratorService } from "./gen/fleet/orchestrator/v1/orchestrator_pb.js";
import { GRPC_CALLERS } from "./grpc-callers.js";

describe("GRPC_CALLERS", () => {
  it("lists every method of every fleet service, and nothing else", () => {
    const services = [AdapterService, OrchestratorService, CommerceService, AnalyticsService];
    expect(Object.keys(GRPC_CALLERS).sort()).toEqual(services.map((service) => service.typeName).sort());
    for (const service of services) {
      const policy: Record<string, readonly string[]> = GRPC_CALLERS[service.typeName as keyof typeof GRPC_CALLERS];
      expect(Object.keys(policy).sort()).toEqual(service.methods.map((method) => method.localName).sort());
      for (const callers of Object.values(policy)) expect(callers.length).toBeGreaterThan(0);
    }
  });

  it("keeps the dashboard's bot management to the gateway and the shop's commerce to the orchestrator", () => {
    expect(GRPC_CALLERS["fleet.adapter.v1.AdapterService"].configureBot).toEqual(["gateway"]);
    expect(GRPC_CALLERS["fleet.adapter.v1.AdapterService"].sendMessage).toEqual(["gateway", "bot-orchestrator", "whatsapp-adapter"]);
    expect(new Set(Object.values(GRPC_CALLERS["fleet.gateway.v1.CommerceService"]).flat())).toEqual(new Set(["bot-orchestrator"]));
  });
});
