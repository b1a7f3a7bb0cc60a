// The bots domain: a facade over the whatsapp-adapter's gRPC service.
import type { AdapterClient } from "../../clients/adapter.client.js";
import type { Route } from "../../http/routes.js";
import { botsRoutes } from "./bots.routes.js";
import { createGetBotConnection } from "./get-bot-connection.use-case.js";
import { createSendMessage } from "./send-message.use-case.js";

export function createBotsModule({ adapter }: { adapter: Pick<AdapterClient, "getConnection" | "sendMessage"> }): { routes: Route[] } {
  return {
    routes: botsRoutes({ getBotConnection: createGetBotConnection({ adapter }), sendMessage: createSendMessage({ adapter }) }),
  };
}
