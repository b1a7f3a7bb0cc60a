// .env.example is where operators learn the configuration: it must list every
// key any service reads, and nothing that no service or compose file uses.
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { configSchema as analytics } from "../../services/analytics-worker/src/config.js";
import { configSchema as orchestrator } from "../../services/bot-orchestrator/src/config.js";
import { configSchema as gateway } from "../../services/gateway/src/config.js";
import { configSchema as adapter } from "../../services/whatsapp-adapter/src/config.js";

const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].flatMap((m) => (m[1] ? [m[1]] : [])));
for (const m of example.matchAll(/\b([A-Z][A-Z0-9_]+)=/g)) if (m[1]) listed.add(m[1]);
const COMPOSE_ONLY = ["POSTGRES_PASSWORD", "MONGO_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_PUBLIC_PORT"];

describe(".env.example", () => {
  it("lists every configuration key of every service", () => {
    const keys = new Set([gateway, adapter, orchestrator, analytics].flatMap((schema) => Object.keys(schema.shape)));
    expect([...keys].filter((key) => !listed.has(key)).sort()).toEqual([]);
  });

  it("lists nothing that no service or compose reads", () => {
    const keys = new Set([...[gateway, adapter, orchestrator, analytics].flatMap((schema) => Object.keys(schema.shape)), ...COMPOSE_ONLY]);
    expect([...listed].filter((key) => !keys.has(key)).sort()).toEqual([]);
  });

  it("holds no secret values", () => {
    for (const secret of ["JWT_SECRET", "SECRETS_ENCRYPTION_KEY", "SECRETS_ENCRYPTION_PREVIOUS_KEYS", "FLEET_KEY", "FLEET_PREVIOUS_KEYS", "META_APP_SECRET", "META_VERIFY_TOKEN", "POSTGRES_PASSWORD", "MONGO_PASSWORD", "GRAFANA_ADMIN_PASSWORD"]) {
      expect(example).toMatch(new RegExp(`^${secret}=\\s*(#.*)?$`, "m"));
    }
  });
});
