import { randomBytes } from "node:crypto";
import { describeServiceProcess } from "@fleet/testing/service-suite";

describeServiceProcess({
  name: "whatsapp-adapter",
  entry: new URL("../dist/main.js", import.meta.url),
  dependencies: { postgres: "up", redis: "up" },
  env: {
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    META_APP_SECRET: randomBytes(16).toString("hex"),
    META_VERIFY_TOKEN: randomBytes(16).toString("hex"),
  },
});
