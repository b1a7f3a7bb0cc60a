// CommerceService.GetBusinessHours: the shop's hours for the flows ("¿a qué hora abren?"), with
// whether it is open now and when that changes.
import type { CommerceHandlers } from "../../app.js";
import type { SettingsUseCases } from "./settings.use-case.js";

export function settingsCommerceHandlers(settings: SettingsUseCases): CommerceHandlers {
  return {
    async getBusinessHours(request) {
      const { settings: shop, tenantName, openNow, nextChangeAt } = await settings.businessHoursNow({ service: "bot-orchestrator", tenantId: request.tenantId });
      return {
        timeZone: shop.timeZone,
        days: shop.businessHours,
        openNow,
        nextChangeTime: nextChangeAt ? { seconds: BigInt(Math.floor(nextChangeAt.getTime() / 1000)), nanos: 0 } : undefined,
        language: shop.language,
        currency: shop.currency,
        shopName: tenantName,
        catalogueUrl: shop.catalogueUrl ?? "",
      };
    },
  };
}
