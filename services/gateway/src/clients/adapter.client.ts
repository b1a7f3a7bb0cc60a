// gRPC client of the whatsapp-adapter's AdapterService. Every call carries a
// deadline. Errors the adapter raised come back as its own AppError (code,
// kind, message, details) and are passed on; transport failures (adapter down,
// deadline) get a fixed message, because grpc-js writes the adapter's internal
// address into its own.
import { AdapterService, type ProviderKind } from "@fleet/contracts/adapter";
import { providerKindName, type ProviderKindName } from "@fleet/contracts";
import { createServiceClient, type CallOptions } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";

const TRANSPORT_MESSAGES: Partial<Record<AppError["kind"], string>> = {
  unavailable: "The WhatsApp adapter is unavailable; try again later",
  deadline_exceeded: "The WhatsApp adapter did not answer in time",
};

/** The bridge names errors the server did not raise itself `GRPC_<STATUS>`: those are the transport's. */
function withoutTransportDetails(error: unknown): never {
  if (error instanceof AppError && error.code.startsWith("GRPC_")) {
    throw new AppError(error.kind, error.code, TRANSPORT_MESSAGES[error.kind] ?? "The call to the WhatsApp adapter failed", { cause: error });
  }
  throw error;
}

export function createAdapterClient(address: string, { deadlineMs }: { deadlineMs: number }) {
  const client = createServiceClient(AdapterService, address, { defaultDeadlineMs: deadlineMs });
  return {
    getConnection: (request: Parameters<typeof client.getConnection>[0], options?: CallOptions) => client.getConnection(request, options).catch(withoutTransportDetails),
    sendMessage: (request: Parameters<typeof client.sendMessage>[0], options?: CallOptions) => client.sendMessage(request, options).catch(withoutTransportDetails),
    close: () => client.close(),
  };
}

export type AdapterClient = ReturnType<typeof createAdapterClient>;

// The enum names live in @fleet/contracts (one map for the fleet); these keep the names this
// service's use cases import.
export { connectionStateName, type ConnectionStateName } from "@fleet/contracts";

/** The wire name of a provider kind; null when the adapter named none (e.g. a misconfigured bot) or one newer than this build. */
export function providerName(kind: ProviderKind): ProviderKindName | null {
  return providerKindName(kind) ?? null;
}
