import { describe, expect, it } from "@jest/globals";
import { connectionStateName, connectionStateNames, connectionStateOf, providerKindLabel, providerKindName, providerKindOf } from "./adapter-names.js";
import { ConnectionState, ProviderKind } from "./gen/fleet/adapter/v1/adapter_pb.js";
import { providerKinds } from "./streams.js";

describe("adapter enum names", () => {
  it("map every provider name to its wire value and back", () => {
    for (const name of providerKinds) expect(providerKindName(providerKindOf(name))).toBe(name);
    expect(providerKindOf("meta")).toBe(ProviderKind.META);
  });

  it("give UNSPECIFIED and a provider kind newer than this build no name, and the label 'unknown', without throwing", () => {
    const newer = 99 as ProviderKind;
    expect(providerKindName(ProviderKind.UNSPECIFIED)).toBeUndefined();
    expect(providerKindName(newer)).toBeUndefined();
    expect(providerKindLabel(newer)).toBe("unknown");
    expect(providerKindLabel(ProviderKind.TWILIO)).toBe("twilio");
  });

  it("map every connection state name to its wire value and back; unknown states have no name", () => {
    for (const name of connectionStateNames) expect(connectionStateName(connectionStateOf(name))).toBe(name);
    expect(connectionStateOf("awaiting_pairing")).toBe(ConnectionState.AWAITING_PAIRING);
    expect(connectionStateName(ConnectionState.UNSPECIFIED)).toBeUndefined();
    expect(connectionStateName(42 as ConnectionState)).toBeUndefined();
  });
});
