// The Grafana dashboard and its provisioning: the JSON parses, every panel's PromQL is valid
// (promtool checks them as recording rules), every metric it reads is one the fleet exports, each
// service has its row with the panels operators need, and compose provisions it all.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { createLogger } from "../../packages/service-kit/src/logger.js";
import { createMetrics } from "../../packages/service-kit/src/metrics.js";
import { createPostgresPool } from "../../packages/service-kit/src/postgres.js";
import { FLEET_SERVICES, isRecord, list, readYaml, record, repoPath, run, type Json } from "./support.js";

const dashboard = record(JSON.parse(readFileSync(repoPath("deploy/grafana/dashboards/fleet.json"), "utf8")), "fleet.json");
const panels = list(dashboard.panels, "panels").map((panel) => record(panel, "panel"));

interface Query {
  panel: string;
  expr: string;
}
const queries: Query[] = panels
  .filter((panel) => panel.type !== "row")
  .flatMap((panel) => list(panel.targets, `${String(panel.title)} targets`).map((target) => ({ panel: String(panel.title), expr: String(record(target, "target").expr) })));

/** Metrics the dashboard may read that no service defines: Prometheus' own. */
const PROMETHEUS_BUILT_IN = ["up"];

/** The range selectors and Grafana's variables replaced by what Prometheus accepts. */
const asPromQL = (expr: string): string => expr.replaceAll("$__rate_interval", "5m");

const PROMQL_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

/** Metric names an expression reads (identifiers that are not functions, keywords or label names). */
function metricNames(expr: string): string[] {
  const stripped = asPromQL(expr)
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names: string[] = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice((match.index ?? 0) + match[0].length).trimStart();
    if (after.startsWith("(") || PROMQL_KEYWORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "dist" || name === "gen" ? [] : sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

/**
 * What the services export: the service kit's registry as every service creates it (default
 * process metrics, HTTP, gRPC) plus its instrumented Postgres pool, and every metric name written
 * in a source file of services/ and packages/ that defines metrics with prom-client.
 */
async function exportedNames(): Promise<Set<string>> {
  const { registry } = createMetrics("grafana-test");
  const pool = createPostgresPool({ url: "postgres://unused@127.0.0.1:1/unused", schema: "unused", logger: createLogger({ service: "grafana-test", level: "error" }), registry });
  await pool.end();
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${metric.name}${suffix}`);
  }
  const roots = ["services", "packages"].flatMap((top) => readdirSync(repoPath(top)).map((name) => repoPath(top, name, "src")));
  for (const file of roots.flatMap((root) => (statSync(root, { throwIfNoEntry: false })?.isDirectory() ? sourceFiles(root) : []))) {
    const text = readFileSync(file, "utf8");
    if (!text.includes('from "prom-client"')) continue;
    for (const [, name = ""] of text.matchAll(/"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"/g)) {
      // Histograms and summaries are read through their series.
      for (const suffix of ["", "_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

describe("deploy/grafana/dashboards/fleet.json", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "fleet-grafana-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** `promtool check rules` on the expressions as recording rules. */
  const checkPromQL = async (exprs: string[], file: string) => {
    const rules = { groups: [{ name: "dashboard", rules: exprs.map((expr, i) => ({ record: `dashboard:panel_${i}`, expr: asPromQL(expr) })) }] };
    writeFileSync(join(work, file), stringify(rules));
    return run("promtool", ["check", "rules", file], { cwd: work });
  };

  it("is a provisionable dashboard: a uid, unique panel ids, every panel on the Prometheus datasource and inside the 24-column grid", () => {
    expect(dashboard).toMatchObject({ uid: "fleet-overview", title: expect.any(String), schemaVersion: expect.any(Number) });
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      const grid = record(panel.gridPos, `${String(panel.title)} gridPos`);
      expect({ title: panel.title, fits: Number(grid.x) + Number(grid.w) <= 24 && Number(grid.h) > 0 }).toEqual({ title: panel.title, fits: true });
      if (panel.type !== "row") expect({ title: panel.title, datasource: panel.datasource }).toEqual({ title: panel.title, datasource: { type: "prometheus", uid: "prometheus" } });
    }
    expect(queries.length).toBeGreaterThan(40);
  });

  it("has only valid PromQL (promtool check rules), and the check does catch a broken expression", async () => {
    const { stdout } = await checkPromQL(queries.map((query) => query.expr), "dashboard.rules.yml");
    expect(stdout).toContain(`SUCCESS: ${queries.length} rules found`);
    await expect(checkPromQL(["sum by (job) (rate(http_requests_total[5m])"], "broken.rules.yml")).rejects.toMatchObject({ stderr: expect.stringContaining("FAILED") });
  });

  it("reads only metrics the services export (or Prometheus' own)", async () => {
    const exported = await exportedNames();
    const allowed = new Set([...exported, ...PROMETHEUS_BUILT_IN]);
    const unknown = queries.flatMap((query) => metricNames(query.expr).filter((name) => !allowed.has(name)).map((name) => `${query.panel}: ${name}`));
    expect(unknown).toEqual([]);
    // The extraction itself finds names, so an empty list above means something.
    expect(metricNames('sum by (le) (rate(db_query_duration_seconds_bucket{job="gateway"}[$__rate_interval])) and on (job) up')).toEqual(["db_query_duration_seconds_bucket", "up"]);
  });

  it("has a row per service with its traffic, latency, gRPC, streams, providers, breakers, sessions and database panels, and KPIs on top", () => {
    const rows = new Map<string, string[]>();
    let current = "";
    for (const panel of panels) {
      if (panel.type === "row") {
        current = String(panel.title);
        rows.set(current, []);
        continue;
      }
      for (const target of list(panel.targets, "targets")) rows.get(current)?.push(String(record(target, "target").expr));
    }
    expect([...rows.keys()]).toEqual(["Fleet", ...FLEET_SERVICES]);
    const expectations: Record<string, RegExp[]> = {
      Fleet: [/whatsapp_messages_received_total/, /whatsapp_messages_sent_total/, /whatsapp_errors_total/, /orchestrator_inbound_handled_total/, /^sum by \(job\) \(up\{/],
      gateway: [/http_requests_total\{job="gateway"\}/, /histogram_quantile\(0\.99, .*http_request_duration_seconds_bucket\{job="gateway"\}/, /grpc_server_handled_total\{job="gateway"\}/, /stream_lag_entries\{job="gateway"\}/, /db_query_duration_seconds_bucket\{job="gateway"\}/, /db_connection_pool_size\{job="gateway"\}/],
      "whatsapp-adapter": [
        /http_requests_total\{job="whatsapp-adapter"\}/,
        /grpc_server_handled_total\{job="whatsapp-adapter"\}/,
        /sum by \(provider\) \(rate\(whatsapp_messages_sent_total/,
        /sum by \(provider, code\) \(rate\(whatsapp_errors_total/,
        /adapter_provider_circuits_open/,
        /sum by \(state\) \(adapter_baileys_sessions/,
        /db_connection_pool_waiting\{job="whatsapp-adapter"\}/,
      ],
      "bot-orchestrator": [/stream_lag_entries\{job="bot-orchestrator"\}/, /grpc_server_handled_total\{job="bot-orchestrator"\}/, /orchestrator_flow_calls_total/, /db_query_duration_seconds_bucket\{job="bot-orchestrator"\}/],
      "analytics-worker": [/stream_lag_entries\{job="analytics-worker"\}/, /analytics_events_written_total/, /analytics_rollup_events_total/, /http_requests_total\{job="analytics-worker"\}/],
    };
    for (const [row, patterns] of Object.entries(expectations)) {
      const exprs = rows.get(row) ?? [];
      for (const pattern of patterns) expect({ row, pattern: String(pattern), found: exprs.some((expr) => pattern.test(expr)) }).toEqual({ row, pattern: String(pattern), found: true });
    }
  });
});

describe("Grafana provisioning in compose", () => {
  const compose = readYaml("docker-compose.yml");
  const grafana = record(record(compose.services, "services").grafana, "services.grafana");
  const mounts = list(grafana.volumes, "grafana.volumes").map(String);
  const mountTarget = (source: string): string | undefined => mounts.find((mount) => mount.startsWith(`${source}:`))?.split(":")[1];

  it("points the datasource at the compose Prometheus with the uid the dashboard uses", () => {
    const datasources = list(readYaml("deploy/grafana/provisioning/datasources/prometheus.yml").datasources, "datasources").map((ds) => record(ds, "datasource"));
    expect(datasources).toEqual([expect.objectContaining({ uid: "prometheus", type: "prometheus", url: "http://prometheus:9090", isDefault: true })]);
    const prometheus = record(record(compose.services, "services").prometheus, "services.prometheus");
    expect(list(prometheus.networks, "prometheus.networks")).toEqual(expect.arrayContaining(list(grafana.networks, "grafana.networks")));
  });

  it("loads the dashboards from where compose mounts them, read-only, with provisioning mounted where Grafana reads it", () => {
    const providers = list(readYaml("deploy/grafana/provisioning/dashboards/fleet.yml").providers, "providers").map((p) => record(p, "provider"));
    const path = providers.map((provider) => (isRecord(provider.options) ? provider.options.path : undefined));
    expect(path).toEqual([mountTarget("./deploy/grafana/dashboards")]);
    expect(mountTarget("./deploy/grafana/provisioning")).toBe("/etc/grafana/provisioning");
    expect(mounts.filter((mount) => mount.startsWith("./")).every((mount) => mount.endsWith(":ro"))).toBe(true);
  });

  it("takes the admin password from the environment (required, no default), allows no sign-up or anonymous access, and listens on loopback only", () => {
    const env: Json = record(grafana.environment, "grafana.environment");
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
    expect(env).toMatchObject({ GF_USERS_ALLOW_SIGN_UP: "false", GF_AUTH_ANONYMOUS_ENABLED: "false" });
    expect(list(grafana.ports, "grafana.ports")).toEqual([expect.stringMatching(/^127\.0\.0\.1:/)]);
    expect(String(grafana.image)).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });
});
