// The bots domain: a facade over the whatsapp-adapter's gRPC service.
import type { Logger } from "@fleet/service-kit";
import type { AdapterClient } from "../../clients/adapter.client.js";
import type { EventsRepository } from "../../repositories/events.repository.js";
import type { Route } from "../../http/routes.js";
import { botsRoutes } from "./bots.routes.js";
import { createContactMedia } from "./contact-media.use-case.js";
import { createGetBotConnection } from "./get-bot-connection.use-case.js";
import { createManageBots } from "./manage-bots.use-case.js";
import { createPairBot } from "./pair-bot.use-case.js";
import { createSendMessage } from "./send-message.use-case.js";

export type BotsAdapter = Pick<AdapterClient, "getConnection" | "sendMessage" | "listBots" | "getBot" | "configureBot" | "deleteBot" | "getMedia" | "requestPairingCode">;

export function createBotsModule({ adapter, events, logger }: { adapter: BotsAdapter; events: Pick<EventsRepository, "emit">; logger: Logger }): { routes: Route[] } {
  const getBotConnection = createGetBotConnection({ adapter });
  return {
    routes: botsRoutes({
      getBotConnection,
      sendMessage: createSendMessage({ adapter, events, logger }),
      bots: createManageBots({ adapter }),
      pairing: createPairBot({ getBotConnection, adapter }),
      contactMedia: createContactMedia({ adapter }),
    }),
  };
}
