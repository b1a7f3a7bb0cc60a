// Configuration of the whatsapp-adapter, validated at start. Every key is
// documented here and in .env.example.
import { z } from "zod";
import { baseConfigShape, databaseUrl, loadConfig, port, secret } from "@fleet/service-kit";

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of the provider webhooks (`/webhooks/*`), health and metrics. */
  HTTP_PORT: port(3001),
  /** Interface and port of the AdapterService gRPC server. */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50052),
  /** Postgres; the adapter owns the `adapter` schema (bots, provider config, sessions). */
  DATABASE_URL: databaseUrl,
  /** Key that encrypts provider credentials at rest (AES-256-GCM via HKDF). Required, ≥ 32 characters. */
  SECRETS_ENCRYPTION_KEY: secret(32),
});

export type AdapterConfig = z.infer<typeof configSchema>;

export function loadAdapterConfig(env: Record<string, string | undefined> = process.env): AdapterConfig {
  return loadConfig(configSchema, env);
}
