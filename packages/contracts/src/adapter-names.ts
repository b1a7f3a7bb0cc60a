// The fleet's names for the AdapterService enums (ProviderKind, ConnectionState),
// kept once here so every service maps them the same way. A value newer than
// this build (the adapter was deployed first) maps to "no name" instead of
// throwing: by the time a client reads it, the message may already be sent.
import { ConnectionState, ProviderKind } from "./gen/fleet/adapter/v1/adapter_pb.js";
import { providerKinds, type ProviderKindName } from "./streams.js";

const PROVIDER_KINDS: Record<ProviderKindName, ProviderKind> = {
  baileys: ProviderKind.BAILEYS,
  meta: ProviderKind.META,
  official: ProviderKind.OFFICIAL,
  twilio: ProviderKind.TWILIO,
  evolution: ProviderKind.EVOLUTION,
};

const PROVIDER_NAMES = new Map<ProviderKind, ProviderKindName>(providerKinds.map((name) => [PROVIDER_KINDS[name], name]));

/** What `providerKindLabel` answers for UNSPECIFIED or a provider kind this build does not know. */
export const UNKNOWN_PROVIDER = "unknown";

/** The name of a provider kind; undefined for UNSPECIFIED or a value newer than this build. */
export function providerKindName(kind: ProviderKind): ProviderKindName | undefined {
  return PROVIDER_NAMES.get(kind);
}

/** The name of a provider kind for events, logs and metrics: never throws, "unknown" when it has none. */
export function providerKindLabel(kind: ProviderKind): ProviderKindName | typeof UNKNOWN_PROVIDER {
  return PROVIDER_NAMES.get(kind) ?? UNKNOWN_PROVIDER;
}

/** The wire value of a provider name. */
export function providerKindOf(name: ProviderKindName): ProviderKind {
  return PROVIDER_KINDS[name];
}

export const connectionStateNames = ["connected", "connecting", "awaiting_pairing", "needs_link", "disconnected", "misconfigured"] as const;
export type ConnectionStateName = (typeof connectionStateNames)[number];

const CONNECTION_STATES: Record<ConnectionStateName, ConnectionState> = {
  connected: ConnectionState.CONNECTED,
  connecting: ConnectionState.CONNECTING,
  awaiting_pairing: ConnectionState.AWAITING_PAIRING,
  needs_link: ConnectionState.NEEDS_LINK,
  disconnected: ConnectionState.DISCONNECTED,
  misconfigured: ConnectionState.MISCONFIGURED,
};

const CONNECTION_STATE_NAMES = new Map<ConnectionState, ConnectionStateName>(connectionStateNames.map((name) => [CONNECTION_STATES[name], name]));

/** The name of a connection state; undefined for UNSPECIFIED or a value newer than this build. */
export function connectionStateName(state: ConnectionState): ConnectionStateName | undefined {
  return CONNECTION_STATE_NAMES.get(state);
}

/** The wire value of a connection state name. */
export function connectionStateOf(name: ConnectionStateName): ConnectionState {
  return CONNECTION_STATES[name];
}
