// A bot's connection state (and QR / pairing code while it waits to be linked),
// asked of the adapter for the caller's own tenant only.
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import { authorize, type Actor } from "../../auth/permissions.js";
import { connectionStateName, providerName, type AdapterClient, type ConnectionStateName } from "../../clients/adapter.client.js";

export interface BotConnection {
  state: ConnectionStateName;
  provider: ProviderKindName | null;
  qr?: string;
  pairingCode?: string;
  detail?: string;
}

export function createGetBotConnection({ adapter }: { adapter: Pick<AdapterClient, "getConnection"> }) {
  return async function getBotConnection(actor: Actor, botId: string): Promise<BotConnection> {
    authorize(actor, "bots:read");
    const response = await adapter.getConnection({ tenantId: actor.tenantId, botId });
    const state = connectionStateName(response.state);
    if (!state) {
      throw new AppError("internal", "ADAPTER_INVALID_RESPONSE", "The adapter reported no connection state", { cause: new Error(`connection state ${response.state}`) });
    }
    return {
      state,
      provider: providerName(response.provider),
      ...(response.qr ? { qr: response.qr } : {}),
      ...(response.pairingCode ? { pairingCode: response.pairingCode } : {}),
      ...(response.detail ? { detail: response.detail } : {}),
    };
  };
}

export type GetBotConnection = ReturnType<typeof createGetBotConnection>;
