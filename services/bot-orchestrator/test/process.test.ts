import { describeServiceProcess } from "@fleet/testing/service-suite";

describeServiceProcess({
  name: "bot-orchestrator",
  entry: new URL("../dist/main.js", import.meta.url),
  dependencies: { postgres: "up", redis: "up" },
});
