// The bots domain: a facade over the whatsapp-adapter's gRPC service.
import type { AdapterClient } from "../../clients/adapter.client.js";
import type { Route } from "../../http/routes.js";
import { botsRoutes } from "./bots.routes.js";
import { createContactMedia } from "./contact-media.use-case.js";
import { createGetBotConnection } from "./get-bot-connection.use-case.js";
import { createManageBots } from "./manage-bots.use-case.js";
import { createPairBot } from "./pair-bot.use-case.js";
import { createSendMessage } from "./send-message.use-case.js";

export type BotsAdapter = Pick<AdapterClient, "getConnection" | "sendMessage" | "listBots" | "getBot" | "configureBot" | "deleteBot" | "getMedia" | "requestPairingCode">;

export function createBotsModule({ adapter }: { adapter: BotsAdapter }): { routes: Route[] } {
  const getBotConnection = createGetBotConnection({ adapter });
  return {
    routes: botsRoutes({
      getBotConnection,
      sendMessage: createSendMessage({ adapter }),
      bots: createManageBots({ adapter }),
      pairing: createPairBot({ getBotConnection, adapter }),
      contactMedia: createContactMedia({ adapter }),
    }),
  };
}
