// The /health report: truthful dependency states, each probed with a timeout so
// a hung dependency shows as "down" instead of hanging the probe.

export type DependencyState = "up" | "down" | "disabled";

/** Resolves when the dependency answers; rejects or hangs when it does not. `null` marks it disabled. */
export type DependencyCheck = (() => Promise<unknown>) | null;

export interface HealthReport {
  status: "ok" | "degraded";
  service: string;
  version: string;
  uptime_s: number;
  memory_mb: number;
  dependencies: Record<string, DependencyState>;
  /** Why a dependency is down, for operators; never contains secrets. */
  details?: Record<string, string>;
  /** Service-specific facts (e.g. stream backlog) that explain the state. */
  info?: Record<string, unknown>;
}

export interface HealthOptions {
  service: string;
  version: string;
  checks: Record<string, DependencyCheck>;
  timeoutMs?: number;
  /** Extra facts for the report; a failure here is reported, never thrown. */
  info?: () => Promise<Record<string, unknown>>;
}

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createHealth({ service, version, checks, timeoutMs = 1000, info }: HealthOptions): () => Promise<HealthReport> {
  return async () => {
    const dependencies: Record<string, DependencyState> = {};
    const details: Record<string, string> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        if (check === null) {
          dependencies[name] = "disabled";
          return;
        }
        try {
          await probe(check, timeoutMs);
          dependencies[name] = "up";
        } catch (error) {
          dependencies[name] = "down";
          details[name] = error instanceof Error ? error.message : String(error);
        }
      }),
    );
    const healthy = Object.values(dependencies).every((s) => s !== "down");
    let extra: Record<string, unknown> | undefined;
    if (info) {
      try {
        extra = await Promise.race([info(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref())]);
      } catch (error) {
        extra = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    return {
      status: healthy ? "ok" : "degraded",
      service,
      version,
      uptime_s: Math.round(process.uptime()),
      memory_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      dependencies,
      ...(healthy ? {} : { details }),
      ...(extra ? { info: extra } : {}),
    };
  };
}
