// The shop's settings as the gateway understands them, with their defaults. Stored settings may
// have been written by hand or by older code: a stored value that does not fit reads as its
// default instead of breaking the shop. What a client sends is validated strictly (400).
import { z } from "zod";
import { canonicalTimeZone, WeeklyHoursSchema, type WeeklyHours } from "./weekly-hours.js";

export const DEFAULT_TIME_ZONE = "America/Mexico_City";
export const DEFAULT_ASSIGNMENT_TIMEOUT_MINUTES = 120;
/** Monday to Saturday, 10:00 to 19:00. */
export const DEFAULT_BUSINESS_HOURS: WeeklyHours = [1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, ranges: [{ open: "10:00", close: "19:00" }] }));

const currencies = new Set(Intl.supportedValuesOf("currency"));

export const TimeZoneSchema = z
  .string()
  .max(64)
  .transform((value, context) => {
    const zone = canonicalTimeZone(value);
    if (zone === null) {
      context.addIssue({ code: "custom", message: 'must be an IANA time zone such as "America/Mexico_City"' });
      return z.NEVER;
    }
    return zone;
  })
  .meta({ description: "IANA time zone", example: "America/Mexico_City" });

export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as MXN")
  .refine((code) => currencies.has(code), "must be an ISO 4217 code such as MXN")
  .meta({ example: "MXN" });

export const LanguageSchema = z.enum(["es", "en"]);
export const TaxRateBpsSchema = z.number().int().min(0).max(10_000).meta({ description: "Tax rate in basis points (1600 = 16%)" });
export const AssignmentTimeoutSchema = z.number().int().min(1).max(7 * 24 * 60).meta({ description: "Open seller assignments are released after this many minutes" });
export const CatalogueUrlSchema = z.url({ protocol: /^https$/, hostname: z.regexes.domain }).max(2048).meta({ description: "The catalogue's https link, for the flows" });

export interface ShopSettings {
  timeZone: string;
  currency: string;
  language: "es" | "en";
  businessHours: WeeklyHours;
  taxRateBps: number;
  assignmentTimeoutMinutes: number;
  catalogueUrl: string | null;
}

const StoredSettingsSchema = z.object({
  timeZone: TimeZoneSchema.catch(DEFAULT_TIME_ZONE).default(DEFAULT_TIME_ZONE),
  currency: CurrencySchema.catch("MXN").default("MXN"),
  language: LanguageSchema.catch("es").default("es"),
  businessHours: WeeklyHoursSchema.catch(DEFAULT_BUSINESS_HOURS).default(DEFAULT_BUSINESS_HOURS),
  taxRateBps: TaxRateBpsSchema.catch(0).default(0),
  assignmentTimeoutMinutes: AssignmentTimeoutSchema.catch(DEFAULT_ASSIGNMENT_TIMEOUT_MINUTES).default(DEFAULT_ASSIGNMENT_TIMEOUT_MINUTES),
  catalogueUrl: CatalogueUrlSchema.nullable().catch(null).default(null),
});

/**
 * Keys an operator sets by hand in the settings document (not through PATCH /api/settings): a value
 * that does not fit is ignored (the default applies) rather than breaking every request of the tenant.
 */
const OperatorSettingsSchema = z.object({
  rateLimitPerMinute: z.number().int().positive().max(1_000_000).optional().catch(undefined),
});

/** The tenant's own request limit per minute, when an operator set one. */
export function readRateLimitPerMinute(stored: unknown): number | undefined {
  const parsed = OperatorSettingsSchema.safeParse(stored);
  return parsed.success ? parsed.data.rateLimitPerMinute : undefined;
}

/** A stored settings document (anything) as settings, every key defaulted. */
export function readShopSettings(stored: unknown): ShopSettings {
  const document = typeof stored === "object" && stored !== null && !Array.isArray(stored) ? stored : {};
  return StoredSettingsSchema.parse(document);
}

/** PATCH /api/settings: the keys to change; catalogueUrl null removes it. */
export const SettingsChangesSchema = z
  .object({
    timeZone: TimeZoneSchema.optional(),
    currency: CurrencySchema.optional(),
    language: LanguageSchema.optional(),
    businessHours: WeeklyHoursSchema.optional(),
    taxRateBps: TaxRateBpsSchema.optional(),
    assignmentTimeoutMinutes: AssignmentTimeoutSchema.optional(),
    catalogueUrl: CatalogueUrlSchema.nullable().optional(),
  })
  // Unknown keys (rateLimitPerMinute, say) are ignored, never stored: that one is the operator's.
  .strip()
  .refine((changes) => Object.keys(changes).length > 0, "name at least one setting to change");

export type SettingsChanges = z.infer<typeof SettingsChangesSchema>;
