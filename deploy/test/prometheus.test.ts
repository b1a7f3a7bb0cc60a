// Prometheus config and alert rules of the compose deployment: valid for promtool, scraping every
// replica of every fleet service, and alerts that fire on the series they are written for.
import { describe, expect, it } from "@jest/globals";
import { FLEET, FLEET_SERVICES, list, readYaml, record, repoPath, run } from "./support.js";

const dir = repoPath("deploy/prometheus");

describe("deploy/prometheus", () => {
  it("prometheus.yml passes promtool check config (which also checks the rule files it loads)", async () => {
    const { stdout } = await run("promtool", ["check", "config", "prometheus.yml"], { cwd: dir });
    expect(stdout).toContain("SUCCESS: prometheus.yml is valid");
    expect(stdout).toContain("1 rule files found");
  });

  it("alerts.yml passes promtool check rules", async () => {
    const { stdout } = await run("promtool", ["check", "rules", "alerts.yml"], { cwd: dir });
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("every alert fires on its own scenario and stays quiet on healthy series (promtool test rules)", async () => {
    const { stdout } = await run("promtool", ["test", "rules", "alerts.test.yml"], { cwd: dir });
    expect(stdout).toContain("SUCCESS");
    // Evaluating every scenario takes promtool a few seconds alone and past 20 on a loaded CI host.
  }, 90_000);

  it("scrapes /metrics of every replica of the four services through DNS A records every 15 s", () => {
    const config = readYaml("deploy/prometheus/prometheus.yml");
    expect(record(config.global, "global").scrape_interval).toBe("15s");
    expect(list(config.rule_files, "rule_files")).toContain("alerts.yml");

    const jobs = new Map(list(config.scrape_configs, "scrape_configs").map((job) => [record(job, "job").job_name, record(job, "job")]));
    for (const service of FLEET_SERVICES) {
      const job = jobs.get(service);
      expect({ service, defined: job !== undefined }).toEqual({ service, defined: true });
      if (!job) continue;
      expect(job.metrics_path ?? "/metrics").toBe("/metrics");
      expect(list(job.dns_sd_configs, `${service} dns_sd_configs`)).toEqual([
        expect.objectContaining({ names: [service], type: "A", port: FLEET[service] }),
      ]);
    }
  });

  it("alerts on the fleet's own metric names and labels", () => {
    const rules = list(readYaml("deploy/prometheus/alerts.yml").groups, "groups").flatMap((group) => list(record(group, "group").rules, "rules"));
    const exprs = rules.map((rule) => String(record(rule, "rule").expr));
    expect(exprs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\bup\{[^}]*\} == 0/),
        expect.stringContaining('http_requests_total{status=~"5.."}'),
        expect.stringContaining('grpc_server_handled_total{grpc_code!="OK"}'),
        expect.stringMatching(/histogram_quantile\(0\.99, .*http_request_duration_seconds_bucket/),
        // One series per stream and group, whichever replicas report it.
        expect.stringMatching(/deriv\(max by \(stream, group\) \(stream_lag_entries\)\[10m:1m\]\) > 0/),
        expect.stringContaining("increase(stream_dead_lettered_total[15m])"),
        expect.stringContaining("adapter_provider_circuits_open"),
        expect.stringContaining('adapter_baileys_sessions{state="needs_link"}'),
        expect.stringContaining("time() - fleet_backup_last_success_timestamp_seconds"),
        expect.stringContaining("absent(fleet_backup_last_success_timestamp_seconds)"),
      ]),
    );
  });

  it("has a promtool test case for every alert rule", () => {
    const alerts = list(readYaml("deploy/prometheus/alerts.yml").groups, "groups")
      .flatMap((group) => list(record(group, "group").rules, "rules"))
      .map((rule) => String(record(rule, "rule").alert));
    const tested = new Set(
      list(readYaml("deploy/prometheus/alerts.test.yml").tests, "tests")
        .flatMap((test) => list(record(test, "test").alert_rule_test ?? [], "alert_rule_test"))
        .filter((check) => list(record(check, "check").exp_alerts ?? [], "exp_alerts").length > 0)
        .map((check) => String(record(check, "check").alertname)),
    );
    expect(alerts.filter((alert) => !tested.has(alert))).toEqual([]);
  });
});
