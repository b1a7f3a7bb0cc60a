import { describeServiceProcess } from "@fleet/testing/service-suite";

// No mongod runs on these machines: without MONGO_URL the worker must say "disabled", not pretend.
describeServiceProcess({
  name: "analytics-worker",
  entry: new URL("../dist/main.js", import.meta.url),
  dependencies: { redis: "up", mongo: "disabled" },
});
