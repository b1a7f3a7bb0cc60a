// Configuration of the analytics-worker, validated at start. Every key is
// documented here and in .env.example.
import { z } from "zod";
import { baseConfigShape, loadConfig, port } from "@fleet/service-kit";

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of health and metrics. */
  HTTP_PORT: port(3003),
  /** MongoDB connection URL. Unset: analytics storage is disabled and events stay pending in the stream. */
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// URL").optional(),
  /** Database name inside MongoDB. */
  MONGO_DB: z.string().regex(/^[\w-]{1,63}$/).default("fleet_analytics"),
});

export type AnalyticsConfig = z.infer<typeof configSchema>;

export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  return loadConfig(configSchema, env);
}
