#!/usr/bin/env node
// Step 2 of rotating SECRETS_ENCRYPTION_KEY (docs/operations.md, "Rotating keys"): seals every secret
// the fleet keeps at rest again with the current key — the adapter's provider credentials and
// linked-session state, the orchestrator's tenant http-step secrets — so the previous key can leave
// SECRETS_ENCRYPTION_PREVIOUS_KEYS. Idempotent, safe while the services run (a value changed
// meanwhile is left as it now is). Prints one line per table; exits 3 when some value opens with no
// configured key (sealed with a key you no longer have: set those secrets again).
//
//   DATABASE_URL=postgres://... SECRETS_ENCRYPTION_KEY=<new> SECRETS_ENCRYPTION_KEY_ID=<new id> \
//   SECRETS_ENCRYPTION_PREVIOUS_KEYS=<old id>:<old> node scripts/reseal-secrets.mjs
//
// Needs a build (pnpm build): it runs each service's own re-seal use case.
import { z } from "zod";
import { ConfigError, createLogger, createPostgresPool, databaseUrl, loadConfig, secretKeyringOf, secretKeysShape } from "@fleet/service-kit";

const OWNERS = [
  { service: "whatsapp-adapter", schema: "adapter" },
  { service: "bot-orchestrator", schema: "orchestrator" },
];

let config;
try {
  config = loadConfig(z.object({ DATABASE_URL: databaseUrl, ...secretKeysShape }));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const keys = secretKeyringOf(config);
const logger = createLogger({ service: "reseal-secrets", level: "error" });
let unreadable = 0;
for (const { service, schema } of OWNERS) {
  const { resealSecrets } = await import(new URL(`../services/${service}/dist/use-cases/reseal-secrets.use-case.js`, import.meta.url).href);
  const pool = createPostgresPool({ url: config.DATABASE_URL, schema, logger, max: 2 });
  try {
    for (const report of await resealSecrets(pool, keys)) {
      unreadable += report.unreadable;
      console.log(`${schema}.${report.table}: re-sealed ${report.resealed}, already current ${report.alreadyCurrent}, unreadable ${report.unreadable}`);
    }
  } finally {
    await pool.end();
  }
}
if (unreadable > 0) {
  console.log(`${unreadable} value(s) open with no configured key: set them again (docs/operations.md)`);
  process.exit(3);
}
