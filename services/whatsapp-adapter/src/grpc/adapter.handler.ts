// AdapterService gRPC handlers: map protobuf messages to use-case calls and back.
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import type { ProviderKindName } from "@fleet/contracts";
import { implement, type ServiceRegistration } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";
import type { ConfigureBot } from "../use-cases/configure-bot.use-case.js";

const KIND_NAMES: Partial<Record<ProviderKind, ProviderKindName>> = {
  [ProviderKind.BAILEYS]: "baileys",
  [ProviderKind.META]: "meta",
  [ProviderKind.OFFICIAL]: "official",
  [ProviderKind.TWILIO]: "twilio",
  [ProviderKind.EVOLUTION]: "evolution",
};

export function providerKindName(kind: ProviderKind): ProviderKindName {
  const name = KIND_NAMES[kind];
  if (!name) throw new AppError("invalid_argument", "UNKNOWN_PROVIDER_KIND", `Unknown provider kind ${kind}`);
  return name;
}

export function providerKindOf(name: ProviderKindName): ProviderKind {
  const entry = Object.entries(KIND_NAMES).find(([, n]) => n === name);
  return entry ? (Number(entry[0]) as ProviderKind) : ProviderKind.UNSPECIFIED;
}

function notYet(method: string): Promise<never> {
  return Promise.reject(new AppError("unimplemented", "NOT_IMPLEMENTED", `AdapterService.${method} is not implemented yet`));
}

export function adapterService({ configureBot }: { configureBot: ConfigureBot }): ServiceRegistration {
  return implement(AdapterService, {
    sendMessage: () => notYet("SendMessage"),
    getConnection: () => notYet("GetConnection"),
    async configureBot(request) {
      const bot = await configureBot({
        tenantId: request.tenantId,
        botId: request.botId || undefined,
        displayName: request.displayName,
        providers: request.providers.map((p) => ({ kind: providerKindName(p.kind), settings: p.settings, secrets: p.secrets })),
      });
      return {
        bot: {
          id: bot.id,
          tenantId: bot.tenantId,
          displayName: bot.displayName,
          providers: bot.providers.map((p) => ({ kind: providerKindOf(p.kind), settings: p.settings, secretNames: Object.keys(p.secrets).sort() })),
        },
      };
    },
  });
}
