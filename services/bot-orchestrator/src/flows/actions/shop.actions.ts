// shop.hours and shop.info: the shop's settings as the flows tell them to customers.
import { timestampMs, type ActionRuns } from "./action-helpers.js";
import type { FlowActionsDeps } from "./registry.js";
import { hoursSummary, safeTimeZone, scheduleText } from "./texts.js";

/** The catalogue link when it is an https URL (providers fetch documents only over https). */
function catalogueLink(raw: string): URL | null {
  try {
    const url = new URL(raw.trim());
    return url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

export function shopActions({ commerce, now = Date.now }: FlowActionsDeps): ActionRuns<"shop.hours" | "shop.info"> {
  return {
    async "shop.hours"(input, context) {
      const hours = await commerce.getBusinessHours({ tenantId: context.tenantId });
      const view = { openNow: hours.openNow, nextChange: hours.nextChangeTime ? timestampMs(hours.nextChangeTime) : null, timeZone: safeTimeZone(hours.timeZone) };
      return { open_now: hours.openNow, summary: hoursSummary(view, now(), input.language), schedule: scheduleText(hours.days, input.language), time_zone: view.timeZone };
    },

    async "shop.info"(_input, context) {
      const shop = await commerce.getBusinessHours({ tenantId: context.tenantId });
      const link = catalogueLink(shop.catalogueUrl);
      return {
        name: shop.shopName,
        catalogue_url: link ? shop.catalogueUrl.trim() : "",
        has_catalogue: link !== null,
        catalogue_is_document: link !== null && link.pathname.toLowerCase().endsWith(".pdf"),
      };
    },
  };
}
