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
}

export interface HealthOptions {
  service: string;
  version: string;
  checks: Record<string, DependencyCheck>;
  timeoutMs?: number;
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

export function createHealth({ service, version, checks, timeoutMs = 1000 }: HealthOptions): () => Promise<HealthReport> {
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
    return {
      status: healthy ? "ok" : "degraded",
      service,
      version,
      uptime_s: Math.round(process.uptime()),
      memory_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      dependencies,
      ...(healthy ? {} : { details }),
    };
  };
}
