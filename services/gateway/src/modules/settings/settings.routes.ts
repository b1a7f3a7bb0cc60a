// /api/settings: the shop's business hours, time zone, currency, language, tax rate, seller
// assignment timeout and catalogue link. Everyone reads them; owners and admins change them.
import { z } from "zod";
import { userRoute, type Route } from "../../http/routes.js";
import { SettingsChangesSchema } from "./shop-settings.js";
import type { SettingsUseCases } from "./settings.use-case.js";
import { WeeklyHoursSchema } from "./weekly-hours.js";

const SettingsSchema = z
  .object({
    timeZone: z.string().meta({ description: "IANA time zone; hours and schedules are read in it" }),
    currency: z.string().meta({ description: "ISO 4217" }),
    language: z.enum(["es", "en"]),
    businessHours: WeeklyHoursSchema,
    taxRateBps: z.number().int().meta({ description: "Basis points (1600 = 16%)" }),
    assignmentTimeoutMinutes: z.number().int().meta({ description: "Open seller assignments are released after this many minutes" }),
    catalogueUrl: z.string().nullable(),
  })
  .meta({ id: "ShopSettings" });

export function settingsRoutes(settings: SettingsUseCases): Route[] {
  const tags = ["settings"];
  return [
    userRoute({
      method: "get",
      path: "/settings",
      operationId: "getSettings",
      summary: "The shop's settings (defaults for what was never set)",
      tags,
      permission: "settings:read",
      responses: { 200: { description: "Settings", schema: SettingsSchema } },
      handle: async ({ actor }) => ({ status: 200, body: await settings.getSettings(actor) }),
    }),
    userRoute({
      method: "patch",
      path: "/settings",
      operationId: "updateSettings",
      summary: "Change some settings; catalogueUrl null removes the link",
      tags,
      permission: "settings:write",
      body: SettingsChangesSchema,
      responses: { 200: { description: "Settings as changed", schema: SettingsSchema } },
      handle: async ({ actor, body }) => ({ status: 200, body: await settings.updateSettings(actor, body) }),
    }),
  ];
}
