import { randomBytes } from "node:crypto";
import { describeServiceProcess } from "@fleet/testing/service-suite";

describeServiceProcess({
  name: "gateway",
  entry: new URL("../dist/main.js", import.meta.url),
  dependencies: { postgres: "up", redis: "up" },
  env: { JWT_SECRET: randomBytes(32).toString("hex") },
});
