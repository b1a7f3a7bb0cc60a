// A service logger that keeps its JSON lines for a test's assertions instead of printing them.
import { Writable } from "node:stream";
import { createLogger, type Logger, type LogLevel } from "@fleet/service-kit";

export function memoryLogger(service: string, level: LogLevel = "warn"): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service, level, stream }), lines };
}
