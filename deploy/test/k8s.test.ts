// Kubernetes manifests (deploy/k8s): both overlays render with `kubectl kustomize`, every object
// passes its Kubernetes or KEDA schema (kubernetes-models validators), and the rules the fleet
// relies on hold: resources and split probes on every container, secrets only by reference,
// the NetworkPolicies' peers, autoscalers on real targets and real stream/group names, and the
// migration ordering (including the init containers' check, run against a real database).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseAllDocuments } from "yaml";
import { ConfigMap, PersistentVolumeClaim, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { STREAMS, inboundStream } from "@fleet/contracts";
import { discoverMigrationOwners, migrateUp } from "@fleet/service-kit";
import { TEST_DATABASE_URL, databaseUrl } from "@fleet/testing";
import { configSchema as analyticsConfig } from "../../services/analytics-worker/src/config.js";
import { EVENTS_GROUP } from "../../services/analytics-worker/src/consumers/events.consumer.js";
import { ROLLUPS_GROUP } from "../../services/analytics-worker/src/consumers/rollups.consumer.js";
import { configSchema as orchestratorConfig } from "../../services/bot-orchestrator/src/config.js";
import { INBOUND_GROUP } from "../../services/bot-orchestrator/src/repositories/inbound-partitions.repository.js";
import { configSchema as gatewayConfig } from "../../services/gateway/src/config.js";
import { configSchema as adapterConfig } from "../../services/whatsapp-adapter/src/config.js";
import { FLEET, FLEET_SERVICES, freePort, isRecord, list, record, repoPath, run, type Json } from "./support.js";

const OVERLAYS = ["small", "large", "canary"] as const;
type Overlay = (typeof OVERLAYS)[number];
/** The shop size an overlay deploys: overlays/canary builds on overlays/small. */
const SIZE: Record<Overlay, "small" | "large"> = { small: "small", large: "large", canary: "small" };
/** The canary overlay's extra objects: Deployment gateway-canary and its release's migration Job. */
const CANARY = "gateway-canary";
type FleetService = (typeof FLEET_SERVICES)[number];

/**
 * Every kind the manifests may hold, with its schema; anything else fails the test. A model is
 * made empty and given the rendered object as it is: validate() is the parse.
 */
type ModelClass = new () => { validate(): void };
const MODELS: Record<string, ModelClass> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "batch/v1/CronJob": CronJob,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
};

/** What the test needs of a service's zod config schema. */
interface ConfigSchema {
  shape: Record<string, { safeParse(value: unknown): { success: boolean } }>;
}
const CONFIGS: Record<FleetService, ConfigSchema> = {
  gateway: gatewayConfig,
  "whatsapp-adapter": adapterConfig,
  "bot-orchestrator": orchestratorConfig,
  "analytics-worker": analyticsConfig,
};
/** Variables the manifests give the services that no config.ts reads: KEDA's `addressFromEnv`. */
const KUBERNETES_ONLY_ENV = ["REDIS_ADDRESS"];
/** Values that carry a credential: never inline, only from the operator's Secret. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY$|^(DATABASE|REDIS|REDIS_CACHE|MONGO)_URL$/;
/** Secret keys the operator may leave out (`optional: true`): each service's config has a default for them. */
const OPTIONAL_SECRETS = ["REDIS_CACHE_URL"];
const SECRET_OBJECT = "fleet-secrets";

/** Who may open which port of which pod: "prometheus" is the monitoring peer, "*" anyone. */
const EXPECTED_INGRESS: Record<string, Record<number, string[]>> = {
  gateway: { 3000: ["edge", "prometheus"], 50051: ["bot-orchestrator"] },
  "whatsapp-adapter": { 3001: ["edge", "gateway", "prometheus"], 50052: ["bot-orchestrator", "gateway"] },
  "bot-orchestrator": { 3002: ["gateway", "prometheus"], 50053: ["gateway"] },
  "analytics-worker": { 3003: ["gateway", "prometheus"], 50054: ["gateway"] },
  edge: { 8080: ["*"] },
};
const GRPC: Record<FleetService, number> = { gateway: 50051, "whatsapp-adapter": 50052, "bot-orchestrator": 50053, "analytics-worker": 50054 };

const str = (value: unknown, what: string): string => {
  if (typeof value !== "string") throw new Error(`${what} is not a string`);
  return value;
};
const listOrEmpty = (value: unknown, what: string): unknown[] => (value === undefined ? [] : list(value, what));
const nameOf = (object: Json): string => str(record(object.metadata, "metadata").name, "metadata.name");

class Rendered {
  constructor(readonly objects: Json[]) {}

  all(kind: string): Json[] {
    return this.objects.filter((object) => object.kind === kind);
  }

  one(kind: string, name: string): Json {
    const found = this.all(kind).filter((object) => nameOf(object) === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
    return found[0] as Json;
  }

  /** A ConfigMap's data by its name before kustomize's hash suffix. */
  configMap(name: string): Record<string, string> {
    const found = this.all("ConfigMap").filter((object) => new RegExp(`^${name}-[a-z0-9]{10}$`).test(nameOf(object)));
    if (found.length !== 1) throw new Error(`expected one ConfigMap ${name}-<hash>, found ${found.length}`);
    return Object.fromEntries(Object.entries(record((found[0] as Json).data, `${name} data`)).map(([key, value]) => [key, str(value, key)]));
  }
}

/** The pod spec of a Deployment, Job or CronJob. */
function podSpec(object: Json): Json {
  const spec = record(object.spec, "spec");
  const template = object.kind === "CronJob" ? record(record(record(spec.jobTemplate, "jobTemplate").spec, "jobTemplate.spec").template, "template") : record(spec.template, "template");
  return record(template.spec, "pod spec");
}

function containersOf(pod: Json): { init: Json[]; main: Json[] } {
  return {
    init: listOrEmpty(pod.initContainers, "initContainers").map((c) => record(c, "initContainer")),
    main: list(pod.containers, "containers").map((c) => record(c, "container")),
  };
}

/** Names of the variables a container gets, with where each comes from. */
function envOf(rendered: Rendered, container: Json): Map<string, "value" | "secret" | "config"> {
  const env = new Map<string, "value" | "secret" | "config">();
  for (const from of listOrEmpty(container.envFrom, "envFrom").map((entry) => record(entry, "envFrom"))) {
    const ref = record(from.configMapRef, "envFrom.configMapRef (only ConfigMaps are expected)");
    const name = str(ref.name, "configMapRef.name").replace(/-[a-z0-9]{10}$/, "");
    for (const key of Object.keys(rendered.configMap(name))) env.set(key, "config");
  }
  for (const entry of listOrEmpty(container.env, "env").map((e) => record(e, "env"))) {
    env.set(str(entry.name, "env.name"), entry.value !== undefined ? "value" : isRecord(entry.valueFrom) && isRecord(entry.valueFrom.secretKeyRef) ? "secret" : "config");
  }
  return env;
}

function imageTag(image: string): string {
  const tag = image.slice(image.lastIndexOf(":") + 1);
  if (tag === image || tag.includes("/")) throw new Error(`image ${image} has no tag`);
  return tag;
}

/** The labels of a Deployment's pods. */
const podLabels = (deployment: Json): Json => record(record(record(record(deployment.spec, "spec").template, "template").metadata, "template metadata").labels, "pod labels");
/** The component a Deployment's pods are (a canary's pods are the gateway's). */
const appOf = (deployment: Json): string => str(podLabels(deployment)["app.kubernetes.io/name"], "app.kubernetes.io/name");
const matches = (selector: Json, labels: Json): boolean => Object.entries(selector).every(([key, value]) => labels[key] === value);

const probePath = (container: Json, probe: string): unknown => record(record(container[probe], probe).httpGet, `${probe}.httpGet`).path;

async function kustomize(overlay: Overlay): Promise<Rendered> {
  const { stdout } = await run("kubectl", ["kustomize", repoPath("deploy/k8s/overlays", overlay)], { maxBuffer: 16 * 1024 * 1024 });
  const objects = parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`${overlay}: ${document.errors.map((e) => e.message).join("; ")}`);
    return record(document.toJS(), `${overlay} object`);
  });
  return new Rendered(objects);
}

beforeAll(async () => {
  let version: string;
  try {
    version = (await run("kubectl", ["version", "--client"])).stdout;
  } catch {
    throw new Error("kubectl is not installed: these tests render the manifests with `kubectl kustomize` (scripts/lib/ensure-tools.sh's ensure_kubectl installs Debian's kubernetes-client)");
  }
  // `labels`, `replacements` and inline `patches` need Kustomize 5 (kubectl 1.27 or later).
  const kustomize = /Kustomize Version: v(\d+)\./.exec(version)?.[1];
  if (kustomize === undefined || Number(kustomize) < 5) {
    throw new Error(`kubectl's built-in Kustomize is too old (${kustomize === undefined ? "not reported" : `v${kustomize}`}): the manifests need Kustomize 5, i.e. kubectl 1.27 or later`);
  }
});

describe.each(OVERLAYS)("deploy/k8s/overlays/%s", (overlay) => {
  let rendered: Rendered;
  beforeAll(async () => {
    rendered = await kustomize(overlay);
  });

  it("renders objects that each pass their Kubernetes or KEDA schema, of known kinds only", () => {
    expect(rendered.objects.length).toBeGreaterThan(20);
    for (const object of rendered.objects) {
      const key = `${str(object.apiVersion, "apiVersion")}/${str(object.kind, "kind")}`;
      const what = `${key} ${nameOf(object)}`;
      const Model = MODELS[key];
      expect({ what, known: Model !== undefined }).toEqual({ what, known: true });
      if (!Model) continue;
      let error: string | undefined;
      try {
        Object.assign(new Model(), object).validate();
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      expect({ what, error }).toEqual({ what, error: undefined });
    }
  });

  it("gives every container resources and a hardened security context, every pod a non-root user", () => {
    const workloads = [...rendered.all("Deployment"), ...rendered.all("Job"), ...rendered.all("CronJob")];
    expect(workloads.length).toBe(overlay === "canary" ? 9 : 7);
    for (const workload of workloads) {
      const pod = podSpec(workload);
      expect({ workload: nameOf(workload), runAsNonRoot: record(pod.securityContext, "pod securityContext").runAsNonRoot }).toEqual({ workload: nameOf(workload), runAsNonRoot: true });
      expect(pod.automountServiceAccountToken).toBe(false);
      const { init, main } = containersOf(pod);
      for (const container of [...init, ...main]) {
        const what = `${nameOf(workload)}/${str(container.name, "container name")}`;
        const resources = record(container.resources, `${what} resources`);
        const requests = record(resources.requests, `${what} requests`);
        const limits = record(resources.limits, `${what} limits`);
        expect({ what, cpu: typeof requests.cpu, memory: typeof requests.memory, limit: typeof limits.memory }).toEqual({ what, cpu: "string", memory: "string", limit: "string" });
        const security = record(container.securityContext, `${what} securityContext`);
        expect({ what, ...security }).toEqual({ what, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      }
    }
  });

  it("probes each fleet service's liveness on /health/live and readiness on /health, and annotates its metrics port", () => {
    for (const service of FLEET_SERVICES) {
      const deployment = rendered.one("Deployment", service);
      const container = containersOf(podSpec(deployment)).main[0] as Json;
      expect({ service, liveness: probePath(container, "livenessProbe"), startup: probePath(container, "startupProbe"), readiness: probePath(container, "readinessProbe") }).toEqual({
        service,
        liveness: "/health/live",
        startup: "/health/live",
        readiness: "/health",
      });
      const ports = list(container.ports, "ports").map((port) => record(port, "port"));
      expect(ports).toEqual([
        { name: "http", containerPort: FLEET[service] },
        { name: "grpc", containerPort: GRPC[service] },
      ]);
      const annotations = record(record(record(record(deployment.spec, "spec").template, "template").metadata, "template metadata").annotations, "annotations");
      expect(annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": String(FLEET[service]), "prometheus.io/path": "/metrics" });
    }
  });

  it("commits no Secret and no secret value: credentials only by secretKeyRef to the operator's Secret", () => {
    expect(rendered.all("Secret")).toEqual([]);
    for (const configMap of rendered.all("ConfigMap")) {
      expect(Object.keys(record(configMap.data, "data")).filter((key) => SECRET_NAME.test(key))).toEqual([]);
    }
    const workloads = [...rendered.all("Deployment"), ...rendered.all("Job"), ...rendered.all("CronJob")];
    for (const workload of workloads) {
      const { init, main } = containersOf(podSpec(workload));
      for (const container of [...init, ...main]) {
        for (const entry of listOrEmpty(container.env, "env").map((e) => record(e, "env"))) {
          const name = str(entry.name, "env name");
          if (SECRET_NAME.test(name)) {
            expect({ name, value: entry.value }).toEqual({ name, value: undefined });
            const ref = record(record(entry.valueFrom, `${name} valueFrom`).secretKeyRef, `${name} secretKeyRef`);
            expect(ref).toEqual({ name: SECRET_OBJECT, key: name, ...(OPTIONAL_SECRETS.includes(name) ? { optional: true } : {}) });
          }
        }
      }
    }
    const auth = record(rendered.one("TriggerAuthentication", "fleet-redis").spec, "spec");
    expect(auth).toEqual({ secretTargetRef: [{ parameter: "password", name: SECRET_OBJECT, key: "REDIS_PASSWORD" }] });
  });

  it("gives each service every variable its config.ts requires, and none it does not read", () => {
    for (const service of FLEET_SERVICES) {
      const config = CONFIGS[service];
      const container = containersOf(podSpec(rendered.one("Deployment", service))).main[0] as Json;
      const env = envOf(rendered, container);
      const required = Object.entries(config.shape).flatMap(([key, schema]) => (schema.safeParse(undefined).success ? [] : [key]));
      expect({ service, missing: required.filter((key) => !env.has(key)) }).toEqual({ service, missing: [] });
      // The shared fleet-config also carries keys meant for other services; only this service's own sources are checked.
      const own = [...listOrEmpty(container.env, "env").map((e) => str(record(e, "env").name, "env name")), ...Object.keys(rendered.configMap(`${service}-config`))];
      expect({ service, unknown: own.filter((key) => !(key in config.shape) && !KUBERNETES_ONLY_ENV.includes(key)) }).toEqual({ service, unknown: [] });
    }
    const shared = Object.keys(rendered.configMap("fleet-config"));
    expect(shared.filter((key) => !FLEET_SERVICES.some((service) => key in CONFIGS[service].shape) && !KUBERNETES_ONLY_ENV.includes(key))).toEqual([]);
  });

  it("documents every key of the Secret the manifests reference", () => {
    const readme = readFileSync(repoPath("deploy/k8s/README.md"), "utf8");
    const keys = new Set<string>(["REDIS_PASSWORD"]);
    for (const workload of [...rendered.all("Deployment"), ...rendered.all("Job"), ...rendered.all("CronJob")]) {
      const { init, main } = containersOf(podSpec(workload));
      for (const container of [...init, ...main]) for (const [name, source] of envOf(rendered, container)) if (source === "secret") keys.add(name);
    }
    expect([...keys].filter((key) => !readme.includes(`--from-literal=${key}=`)).sort()).toEqual([]);
  });

  it("opens each pod's ports only to the peers listed, and leaves egress open", () => {
    const policies = rendered.all("NetworkPolicy").map((policy) => record(policy.spec, "NetworkPolicy spec"));
    for (const policy of policies) expect(policy.policyTypes).toEqual(["Ingress"]);
    // Everything of the fleet is closed first.
    expect(policies).toContainEqual({ podSelector: { matchLabels: { "app.kubernetes.io/part-of": "fleet" } }, policyTypes: ["Ingress"] });

    const peerName = (peer: Json): string => {
      const pods = record(record(peer.podSelector, "podSelector").matchLabels, "matchLabels");
      if (peer.namespaceSelector !== undefined) {
        expect(peer.namespaceSelector).toEqual({ matchLabels: { "kubernetes.io/metadata.name": "monitoring" } });
        expect(pods).toEqual({ "app.kubernetes.io/name": "prometheus" });
        return "prometheus";
      }
      expect(Object.keys(pods)).toEqual(["app.kubernetes.io/name"]);
      return str(pods["app.kubernetes.io/name"], "peer name");
    };
    const opened: Record<string, Record<number, string[]>> = {};
    for (const policy of policies) {
      const target = record(record(policy.podSelector, "podSelector").matchLabels, "matchLabels")["app.kubernetes.io/name"];
      if (target === undefined) continue;
      for (const rule of listOrEmpty(policy.ingress, "ingress").map((r) => record(r, "ingress rule"))) {
        const peers = rule.from === undefined ? ["*"] : list(rule.from, "from").map((peer) => peerName(record(peer, "peer")));
        for (const port of list(rule.ports, "ports").map((p) => record(p, "port"))) {
          expect(port.protocol).toBe("TCP");
          const byPort = (opened[str(target, "target")] ??= {});
          byPort[Number(port.port)] = [...(byPort[Number(port.port)] ?? []), ...peers].sort();
        }
      }
    }
    expect(opened).toEqual(EXPECTED_INGRESS);

    // Every port a pod listens on is in that table (none left closed by omission), and every peer exists.
    for (const deployment of rendered.all("Deployment")) {
      const name = appOf(deployment);
      const ports = containersOf(podSpec(deployment)).main.flatMap((c) => list(c.ports, "ports").map((p) => Number(record(p, "port").containerPort)));
      expect({ name, ports: ports.sort() }).toEqual({ name, ports: Object.keys(EXPECTED_INGRESS[name] ?? {}).map(Number).sort() });
    }
    const peers = new Set(Object.values(EXPECTED_INGRESS).flatMap((byPort) => Object.values(byPort).flat()));
    for (const peer of peers) if (peer !== "*" && peer !== "prometheus") expect(rendered.one("Deployment", peer)).toBeDefined();
  });

  it("routes every Service to pods and container ports that exist", () => {
    for (const service of rendered.all("Service")) {
      const spec = record(service.spec, "Service spec");
      const selector = record(spec.selector, "selector");
      // A canary shares the stable gateway's Services on purpose (checked below): one stable target each.
      const targets = rendered.all("Deployment").filter((deployment) => nameOf(deployment) !== CANARY && matches(selector, podLabels(deployment)));
      expect({ service: nameOf(service), targets: targets.length }).toEqual({ service: nameOf(service), targets: 1 });
      const portNames = containersOf(podSpec(targets[0] as Json)).main.flatMap((c) => list(c.ports, "ports").map((p) => record(p, "port").name));
      for (const port of list(spec.ports, "ports").map((p) => record(p, "port"))) expect(portNames).toContain(port.targetPort);
    }
  });

  it("autoscales gateway and adapter on CPU, orchestrator and worker with KEDA, each on an existing Deployment", () => {
    const hpas = rendered.all("HorizontalPodAutoscaler").map((hpa) => record(hpa.spec, "HPA spec"));
    const hpaTargets = hpas.map((spec) => record(spec.scaleTargetRef, "scaleTargetRef"));
    expect(hpaTargets.map((ref) => ref.name).sort()).toEqual(["gateway", "whatsapp-adapter"]);
    for (const spec of hpas) {
      const ref = record(spec.scaleTargetRef, "scaleTargetRef");
      expect(ref.kind).toBe("Deployment");
      expect(rendered.one("Deployment", str(ref.name, "target"))).toBeDefined();
      expect(spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }]);
      expect(Number(spec.minReplicas)).toBeGreaterThanOrEqual(1);
      expect(Number(spec.maxReplicas)).toBe(SIZE[overlay] === "small" ? 2 : 10);
    }
    const scaled = rendered.all("ScaledObject").map((object) => record(object.spec, "ScaledObject spec"));
    expect(scaled.map((spec) => record(spec.scaleTargetRef, "scaleTargetRef").name).sort()).toEqual(["analytics-worker", "bot-orchestrator"]);
    for (const spec of scaled) {
      const target = str(record(spec.scaleTargetRef, "scaleTargetRef").name, "target");
      expect(rendered.one("Deployment", target)).toBeDefined();
      // Never to zero (timers, KPIs); and never two autoscalers on one Deployment.
      expect(Number(spec.minReplicaCount)).toBeGreaterThanOrEqual(1);
      expect(SIZE[overlay] === "small" ? Number(spec.maxReplicaCount) <= 2 : Number(spec.maxReplicaCount) > 2).toBe(true);
      expect(hpaTargets.map((ref) => ref.name)).not.toContain(target);
      // Every Deployment an autoscaler owns leaves `replicas` to it.
      expect(record(rendered.one("Deployment", target).spec, "spec").replicas).toBeUndefined();
    }
    for (const ref of hpaTargets) expect(record(rendered.one("Deployment", str(ref.name, "target")).spec, "spec").replicas).toBeUndefined();
  });

  it("points the KEDA triggers at the real stream and consumer group names, with the services' key prefix", () => {
    const config = rendered.configMap("fleet-config");
    const prefix = config.REDIS_KEY_PREFIX ?? "";
    const partitions = Number(config.INBOUND_PARTITIONS);
    expect(prefix).toBe(gatewayConfig.shape.REDIS_KEY_PREFIX.parse(undefined));
    expect(partitions).toBe(adapterConfig.shape.INBOUND_PARTITIONS.parse(undefined));

    const triggersOf = (name: string) => {
      const spec = record(rendered.one("ScaledObject", name).spec, "spec");
      const triggers = list(spec.triggers, "triggers").map((t) => record(t, "trigger"));
      for (const trigger of triggers) {
        expect(trigger.type).toBe("redis-streams");
        expect(rendered.one("TriggerAuthentication", str(record(trigger.authenticationRef, "authenticationRef").name, "auth"))).toBeDefined();
        const metadata = record(trigger.metadata, "metadata");
        // Lag mode (XINFO GROUPS): KEDA reads pendingEntriesCount first and would ignore the lag.
        expect(metadata.pendingEntriesCount).toBeUndefined();
        expect(Number(metadata.lagCount)).toBeGreaterThan(0);
        // The address comes from the target's own environment (fleet-config).
        expect(metadata.addressFromEnv).toBe("REDIS_ADDRESS");
        expect(envOf(rendered, containersOf(podSpec(rendered.one("Deployment", name))).main[0] as Json).get("REDIS_ADDRESS")).toBe("config");
      }
      return { spec, triggers: triggers.map((t) => ({ name: str(t.name, "trigger name"), stream: record(t.metadata, "metadata").stream, group: record(t.metadata, "metadata").consumerGroup })) };
    };

    const orchestrator = triggersOf("bot-orchestrator");
    const partitionStreams = Array.from({ length: partitions }, (_, n) => `${prefix}${inboundStream(n)}`);
    expect(orchestrator.triggers.map((t) => t.stream).sort()).toEqual(partitionStreams.sort());
    expect(new Set(orchestrator.triggers.map((t) => t.group))).toEqual(new Set([INBOUND_GROUP]));
    // The composite metric adds up every partition's lag, each trigger exactly once.
    const modifiers = record(record(orchestrator.spec.advanced, "advanced").scalingModifiers, "scalingModifiers");
    expect(str(modifiers.formula, "formula").split("+").map((term) => term.trim()).sort()).toEqual(orchestrator.triggers.map((t) => t.name).sort());
    expect(Number(orchestrator.spec.maxReplicaCount)).toBeLessThanOrEqual(partitions);

    const worker = triggersOf("analytics-worker");
    expect(worker.triggers.map((t) => [t.stream, t.group]).sort()).toEqual([
      [`${prefix}${STREAMS.events}`, EVENTS_GROUP],
      [`${prefix}${STREAMS.events}`, ROLLUPS_GROUP],
    ].sort());
  });

  it("rolls every Deployment out one surge pod at a time, never below its replicas, keeping revisions for `rollout undo`", () => {
    for (const deployment of rendered.all("Deployment")) {
      const spec = record(deployment.spec, "spec");
      expect({ name: nameOf(deployment), strategy: spec.strategy }).toEqual({ name: nameOf(deployment), strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
      expect(Number(spec.revisionHistoryLimit)).toBeGreaterThanOrEqual(2);
    }
  });

  it("keeps a PodDisruptionBudget per Deployment that never blocks a drain of a single replica", () => {
    const budgets = rendered.all("PodDisruptionBudget").map((pdb) => record(pdb.spec, "PDB spec"));
    for (const deployment of rendered.all("Deployment")) {
      const name = appOf(deployment);
      expect(budgets).toContainEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: { "app.kubernetes.io/name": name } } });
    }
  });

  it("runs the release's migrations in a Job named after it, and holds every Postgres service's new pods until they are applied", () => {
    const jobs = rendered.all("Job");
    expect(jobs.length).toBe(overlay === "canary" ? 2 : 1);
    // The stable release's Job: the one in the stable gateway's image.
    const stableImage = (containersOf(podSpec(rendered.one("Deployment", "gateway"))).main[0] as Json).image;
    const job = jobs.find((candidate) => (containersOf(podSpec(candidate)).main[0] as Json).image === stableImage) as Json;
    const migrate = containersOf(podSpec(job)).main[0] as Json;
    expect(migrate.command).toEqual(["node", "scripts/migrate.mjs"]);
    const release = imageTag(str(migrate.image, "image"));
    expect(nameOf(job)).toBe(`fleet-migrate-${release}`);
    expect(nameOf(job)).toMatch(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/);
    expect(record(job.spec, "spec").ttlSecondsAfterFinished).toBeGreaterThan(0);

    const waitScript = readFileSync(repoPath("deploy/k8s/base/wait-for-migrations.mjs"), "utf8");
    for (const service of FLEET_SERVICES) {
      const deployment = rendered.one("Deployment", service);
      const pod = podSpec(deployment);
      const { init, main } = containersOf(pod);
      const container = main[0] as Json;
      // One release everywhere: the Job's tag is every service's tag.
      expect({ service, release: imageTag(str(container.image, "image")) }).toEqual({ service, release });
      expect(record(record(record(deployment.spec, "spec").strategy, "strategy").rollingUpdate, "rollingUpdate").maxUnavailable).toBe(0);
      if (!envOf(rendered, container).has("DATABASE_URL")) {
        expect({ service, init }).toEqual({ service, init: [] });
        continue;
      }
      const wait = init.find((c) => c.name === "wait-for-migrations");
      expect({ service, waits: wait !== undefined }).toEqual({ service, waits: true });
      if (!wait) continue;
      // Its own image: it waits for the migrations this very version ships.
      expect(wait.image).toBe(container.image);
      expect(wait.command).toEqual(["node", "deploy/k8s/wait-for-migrations.mjs"]);
      const mount = list(wait.volumeMounts, "volumeMounts").map((m) => record(m, "mount")).find((m) => m.mountPath === "/app/deploy/k8s");
      const volume = list(pod.volumes, "volumes").map((v) => record(v, "volume")).find((v) => v.name === mount?.name);
      const configMapName = str(record(volume?.configMap, "volume configMap").name, "configMap name").replace(/-[a-z0-9]{10}$/, "");
      expect(rendered.configMap(configMapName)["wait-for-migrations.mjs"]).toBe(waitScript);
    }
  });

  it("backs up with deploy/backup/backup.sh on a schedule, never two runs at once", () => {
    const cron = record(rendered.one("CronJob", "fleet-backup").spec, "spec");
    expect(cron.concurrencyPolicy).toBe("Forbid");
    const container = containersOf(podSpec(rendered.one("CronJob", "fleet-backup"))).main[0] as Json;
    expect(container.command).toEqual(["/opt/fleet/backup/backup.sh"]);
    // The script's own interface: every variable given to it is one it reads.
    const backupScript = readFileSync(repoPath("deploy/backup/backup.sh"), "utf8");
    for (const name of envOf(rendered, container).keys()) expect({ name, read: backupScript.includes(`\${${name}`) }).toEqual({ name, read: true });
    expect(readFileSync(repoPath("deploy/k8s/images/backup.Dockerfile"), "utf8")).toContain("COPY deploy/backup/ /opt/fleet/backup/");
    expect(rendered.one("PersistentVolumeClaim", "fleet-backups")).toBeDefined();
  });
});

describe("deploy/k8s/overlays/canary", () => {
  let canary: Rendered;
  let small: Rendered;
  beforeAll(async () => {
    [canary, small] = await Promise.all([kustomize("canary"), kustomize("small")]);
  });

  const deploymentSpec = (rendered: Rendered, name: string) => record(rendered.one("Deployment", name).spec, `${name} spec`);
  const selectorOf = (rendered: Rendered, name: string) => record(record(deploymentSpec(rendered, name).selector, "selector").matchLabels, "matchLabels");
  const imagesOf = (pod: Json) => {
    const { init, main } = containersOf(pod);
    return [...init, ...main].map((container) => str(container.image, "image"));
  };

  it("adds exactly the canary Deployment and its release's migration Job to the shop overlay it builds on", () => {
    const ids = (rendered: Rendered) => rendered.objects.map((object) => `${str(object.kind, "kind")}/${nameOf(object)}`);
    const added = ids(canary).filter((id) => !ids(small).includes(id));
    const canaryTag = imageTag(str((containersOf(podSpec(canary.one("Deployment", CANARY))).main[0] as Json).image, "image"));
    expect(added.sort()).toEqual([`Deployment/${CANARY}`, `Job/fleet-migrate-${canaryTag}`].sort());
    expect(ids(small).filter((id) => !ids(canary).includes(id))).toEqual([]);
  });

  it("puts the canary behind every Service of the gateway, told apart by its track label, without overlapping the stable Deployment", () => {
    const canaryPods = podLabels(canary.one("Deployment", CANARY));
    const stablePods = podLabels(canary.one("Deployment", "gateway"));
    expect(canaryPods.track).toBe("canary");
    expect(stablePods.track).toBe("stable");
    // Every Service that reaches the stable gateway reaches the canary too, and no Service picks one track.
    const gatewayServices = canary.all("Service").filter((service) => matches(record(record(service.spec, "spec").selector, "selector"), stablePods));
    expect(gatewayServices.map(nameOf).sort()).toEqual(["gateway", "gateway-grpc"]);
    for (const service of gatewayServices) {
      const selector = record(record(service.spec, "spec").selector, "selector");
      expect({ service: nameOf(service), canary: matches(selector, canaryPods), track: selector.track }).toEqual({ service: nameOf(service), canary: true, track: undefined });
    }
    // Each Deployment owns only its own pods.
    expect(matches(selectorOf(canary, "gateway"), canaryPods)).toBe(false);
    expect(matches(selectorOf(canary, CANARY), stablePods)).toBe(false);
    expect(matches(selectorOf(canary, CANARY), canaryPods)).toBe(true);
    // The stable gateway's NetworkPolicies, its PodDisruptionBudget and the fleet's default deny cover the canary.
    const policies = canary.all("NetworkPolicy").map((policy) => record(record(record(policy.spec, "spec").podSelector, "podSelector").matchLabels ?? {}, "matchLabels"));
    expect(policies.filter((selector) => matches(selector, stablePods))).toEqual(policies.filter((selector) => matches(selector, canaryPods)));
    expect(policies.filter((selector) => matches(selector, canaryPods)).length).toBeGreaterThanOrEqual(2);
    const budgets = canary.all("PodDisruptionBudget").map((pdb) => record(record(record(pdb.spec, "spec").selector, "selector").matchLabels, "matchLabels"));
    expect(budgets.filter((selector) => matches(selector, canaryPods)).length).toBe(1);
  });

  it("runs the stable gateway's pod exactly, in the new release's image, on one fixed replica the autoscaler leaves alone", () => {
    const stable = podSpec(canary.one("Deployment", "gateway"));
    const candidate = podSpec(canary.one("Deployment", CANARY));
    const stableImage = str((containersOf(stable).main[0] as Json).image, "image");
    const canaryImage = str((containersOf(candidate).main[0] as Json).image, "image");
    expect(imageTag(canaryImage)).not.toBe(imageTag(stableImage));
    expect(canaryImage.slice(0, canaryImage.lastIndexOf(":"))).toBe(stableImage.slice(0, stableImage.lastIndexOf(":")));
    // Service and migration check alike run the new image (it waits for the new release's migrations).
    expect(new Set(imagesOf(candidate))).toEqual(new Set([canaryImage]));
    const asStable = JSON.parse(JSON.stringify(candidate).replaceAll(canaryImage, stableImage)) as Json;
    expect(asStable).toEqual(stable);
    // The stable gateway is as the shop overlay renders it.
    expect(canary.one("Deployment", "gateway")).toEqual(small.one("Deployment", "gateway"));
    expect(deploymentSpec(canary, CANARY).replicas).toBe(1);
    const targets = canary.all("HorizontalPodAutoscaler").map((hpa) => record(record(hpa.spec, "spec").scaleTargetRef, "scaleTargetRef").name);
    expect(targets).not.toContain(CANARY);
    expect(record(record(deploymentSpec(canary, CANARY).template, "template").metadata, "metadata").annotations).toEqual(
      record(record(deploymentSpec(canary, "gateway").template, "template").metadata, "metadata").annotations,
    );
  });

  it("migrates the canary's release with the stable Job's exact spec in the new image, so promoting the canary applies it unchanged", () => {
    const canaryImage = str((containersOf(podSpec(canary.one("Deployment", CANARY))).main[0] as Json).image, "image");
    const stableJob = small.all("Job")[0] as Json;
    const stableImage = str((containersOf(podSpec(stableJob)).main[0] as Json).image, "image");
    const canaryJob = canary.one("Job", `fleet-migrate-${imageTag(canaryImage)}`);
    const promoted = JSON.parse(JSON.stringify(stableJob).replaceAll(stableImage, canaryImage).replace(`"fleet-migrate-${imageTag(stableImage)}"`, `"fleet-migrate-${imageTag(canaryImage)}"`)) as Json;
    expect(canaryJob).toEqual(promoted);
  });

  it("documents the canary, its promotion and both rollbacks in deploy/k8s/README.md", () => {
    const readme = readFileSync(repoPath("deploy/k8s/README.md"), "utf8");
    expect(readme).toContain("kubectl apply -n fleet -k deploy/k8s/overlays/canary");
    expect(readme).toContain(`kubectl -n fleet delete deployment ${CANARY}`);
    expect(readme).toContain("kubectl -n fleet rollout undo deployment/gateway");
  });
});

describe("deploy/k8s edge start script", () => {
  it("renders, with nginx/render.sh and a pod's resolv.conf, a config nginx -t accepts, naming the Services in full", async () => {
    const edge = containersOf(podSpec((await kustomize("small")).one("Deployment", "edge"))).main[0] as Json;
    const [shell, flag, script] = list(edge.command, "edge command").map((part) => str(part, "edge command part"));
    expect([shell, flag]).toEqual(["/bin/bash", "-c"]);
    const dir = mkdtempSync(join(tmpdir(), "k8s-edge-"));
    try {
      const resolvConf = join(dir, "resolv.conf");
      // What the kubelet writes for a pod of namespace `shop` (ClusterFirst DNS).
      writeFileSync(resolvConf, "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n");
      const local = str(script, "script")
        .replaceAll("/etc/resolv.conf", resolvConf)
        .replaceAll("/etc/fleet/nginx", repoPath("nginx"))
        // The image's dashboard (built into /etc/fleet/dashboard); any directory of static files stands in for it.
        .replaceAll("/etc/fleet/dashboard", repoPath("nginx/static"))
        .replaceAll("/var/cache/nginx", dir)
        .replace("exec nginx ", "exec nginx -t ");
      // stdout on a file: the config logs to /dev/stdout, which nginx cannot open on the socket pair node gives a child.
      const stdout = openSync(join(dir, "stdout"), "w");
      let result: { code: number | null; stderr: string };
      try {
        const child = spawn("bash", ["-c", local], { stdio: ["ignore", stdout, "pipe"] });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const [code] = (await once(child, "close")) as [number | null];
        result = { code, stderr };
      } finally {
        closeSync(stdout);
      }
      expect(result).toEqual({ code: 0, stderr: expect.stringContaining("test is successful") });
      const conf = readFileSync(join(dir, "fleet.conf"), "utf8");
      expect(conf).toContain("resolver 10.96.0.10");
      expect(conf).toContain("gateway.shop.svc.cluster.local:3000");
      expect(conf).toContain("whatsapp-adapter.shop.svc.cluster.local:3001");
      expect(conf).toContain("listen 8080");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("deploy/k8s/base/wait-for-migrations.mjs", () => {
  const script = repoPath("deploy/k8s/base/wait-for-migrations.mjs");
  const name = `k8s_wait_${randomBytes(4).toString("hex")}`;
  const admin = (sql: string) => run("psql", [TEST_DATABASE_URL, "--quiet", "--set=ON_ERROR_STOP=1", "--command", sql]);

  /** Runs the check once from the repository root (as the image runs it from /app). */
  function checkOnce(url: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      execFile("node", [script, "--once"], { cwd: repoPath(), env: { ...process.env, DATABASE_URL: url } }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, output: `${stdout}${stderr}` });
      });
    });
  }

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it("reports the pending migrations of an empty database (exit 3), then passes once the migration script has run", async () => {
    const owners = await discoverMigrationOwners(repoPath());
    const shipped = owners.reduce((count, owner) => count + readdirSync(owner.dir).length, 0);
    const before = await checkOnce(databaseUrl(name));
    expect(before.code).toBe(3);
    expect(before.output).toMatch(new RegExp(`^wait-for-migrations: ${shipped} pending \\((${owners.map((owner) => owner.schema).join("|")})\\.\\d+_`));

    await migrateUp(databaseUrl(name), owners);
    const after = await checkOnce(databaseUrl(name));
    expect(after).toEqual({ code: 0, output: "wait-for-migrations: the database is up to date\n" });
  });

  it("exits 1 without printing the password when the database cannot be reached", async () => {
    // A port nothing listens on: the connection is refused at once.
    const result = await checkOnce(`postgres://fleet:hunter2-secret@127.0.0.1:${await freePort()}/fleet`);
    expect(result.code).toBe(1);
    expect(result.output).toContain("cannot ask the database yet");
    expect(result.output).not.toContain("hunter2");
  });
});
