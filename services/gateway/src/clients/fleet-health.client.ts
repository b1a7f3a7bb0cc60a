// Reads the other services' GET /health over HTTP, each with a timeout. What
// comes back is reduced to public facts (status, version, uptime, memory,
// dependency states): their `details` can name internal hosts and ports, and
// neither those nor the URLs probed ever reach a client.
import { z } from "zod";

export interface ServiceHealthReport {
  status: "ok" | "degraded";
  version?: string;
  uptime_s?: number;
  memory_mb?: number;
  dependencies?: Record<string, string>;
}

export type ServiceHealth = ServiceHealthReport | { status: "unreachable"; error: string };

const ReportSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  version: z.string().max(100).optional(),
  uptime_s: z.number().optional(),
  memory_mb: z.number().optional(),
  dependencies: z.record(z.string().max(100), z.string().max(100)).optional(),
});

/** The public part of a /health report, or null when `body` is not one. */
export function publicHealth(body: unknown): ServiceHealthReport | null {
  const parsed = ReportSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
}

export interface FleetHealthClientOptions {
  /** Service name → base URL of its HTTP port. */
  services: Record<string, string>;
  timeoutMs: number;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

// Read by shape, not `instanceof`: fetch's errors (a DOMException on timeout) need not share this realm's Error.
function describeFailure(error: unknown, timeoutMs: number): string {
  const name = field(error, "name");
  if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs} ms`;
  // Only the error code: the messages carry the address.
  const code = field(field(error, "cause"), "code");
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  return "request failed";
}

export function createFleetHealthClient({ services, timeoutMs }: FleetHealthClientOptions) {
  async function probe(baseUrl: string): Promise<ServiceHealth> {
    try {
      const response = await fetch(new URL("/health", baseUrl), { signal: AbortSignal.timeout(timeoutMs), redirect: "error", headers: { accept: "application/json" } });
      const body: unknown = await response.json().catch(() => undefined);
      const report = publicHealth(body);
      // A service answers 200 when healthy and 503 with its report when not; anything else is not a health report.
      if (!report || (response.status !== 200 && response.status !== 503)) return { status: "unreachable", error: `unexpected answer (HTTP ${response.status})` };
      return response.status === 503 && report.status === "ok" ? { ...report, status: "degraded" } : report;
    } catch (error) {
      return { status: "unreachable", error: describeFailure(error, timeoutMs) };
    }
  }

  return {
    async probeAll(): Promise<Record<string, ServiceHealth>> {
      const entries = await Promise.all(Object.entries(services).map(async ([name, url]) => [name, await probe(url)] as const));
      return Object.fromEntries(entries);
    },
  };
}

export type FleetHealthClient = ReturnType<typeof createFleetHealthClient>;
