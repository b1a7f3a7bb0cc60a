// After a SECRETS_ENCRYPTION_KEY rotation: the providers' credentials (bound to their bot and
// provider, also those sealed before that binding existed) and the linked sessions' state are
// sealed again with the current key, so the previous key can leave SECRETS_ENCRYPTION_PREVIOUS_KEYS.
// Run by scripts/reseal-secrets.mjs (docs/operations.md, "Rotating keys"); idempotent.
import { resealColumn, type ResealReport, type SecretKeyring } from "@fleet/service-kit";
import type pg from "pg";
import { createProviderSecretBox, providerSecretsContext } from "../repositories/bots.repository.js";
import { createSessionSecretBox, sessionCredsContext, sessionKeyContext } from "../sessions/baileys/baileys-auth.repository.js";

export async function resealSecrets(pool: pg.Pool, keys: SecretKeyring): Promise<ResealReport[]> {
  const providers = createProviderSecretBox(keys);
  const sessions = createSessionSecretBox(keys);
  return [
    await resealColumn<{ bot_id: string; kind: string }>(pool, providers, {
      table: "bot_providers",
      keys: ["bot_id", "kind"],
      column: "secrets",
      context: (row) => providerSecretsContext(row.bot_id, row.kind),
      legacyContexts: () => [undefined],
    }),
    await resealColumn<{ bot_id: string; kind: string }>(pool, sessions, {
      table: "session_creds",
      keys: ["bot_id", "kind"],
      column: "sealed",
      context: (row) => sessionCredsContext(row.bot_id),
    }),
    await resealColumn<{ bot_id: string; kind: string; type: string; id: string }>(pool, sessions, {
      table: "session_keys",
      keys: ["bot_id", "kind", "type", "id"],
      column: "sealed",
      context: (row) => sessionKeyContext(row.bot_id, row.type, row.id),
    }),
  ];
}
