// winston JSON logger: one line per event with the service name and the
// request context, secrets always redacted, message bodies redacted above debug.
import winston from "winston";
import { currentContext } from "./context.js";

export type Logger = winston.Logger;
export type LogLevel = "error" | "warn" | "info" | "debug";

const SECRET_KEY = /(authorization|password|passwd|secret|token|api[-_]?key|apikey|cookie|signature|credential|private[-_]?key)/i;
const BODY_KEY = /^(body|text|caption|messageBody|message_body)$/i;
const REDACTED = "[REDACTED]";

// `ancestors` holds the objects on the path from the root: only a cycle is cut,
// an object referenced twice side by side is logged in both places.
function redactValue(value: unknown, redactBodies: boolean, depth: number, ancestors: WeakSet<object>): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 8 || ancestors.has(value)) return "[Truncated]";
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactValue(v, redactBodies, depth + 1, ancestors));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_KEY.test(key) || (redactBodies && BODY_KEY.test(key))) out[key] = REDACTED;
      else out[key] = redactValue(v, redactBodies, depth + 1, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/** Returns a copy of `meta` with secrets (and, unless `keepBodies`, message bodies) replaced. */
export function redact(meta: Record<string, unknown>, keepBodies = false): Record<string, unknown> {
  return redactValue(meta, !keepBodies, 0, new WeakSet()) as Record<string, unknown>;
}

const SYMBOLS = [Symbol.for("level"), Symbol.for("message"), Symbol.for("splat")];

function redaction(keepBodies: boolean) {
  return winston.format((info) => {
  const { level, message, ...rest } = info;
  const clean = redact(rest, keepBodies);
  const out: winston.Logform.TransformableInfo = { level, message, ...currentContext(), ...clean };
  for (const symbol of SYMBOLS) {
    const value = (info as Record<symbol, unknown>)[symbol];
    if (value !== undefined) (out as Record<symbol, unknown>)[symbol] = value;
  }
  return out;
  })();
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Defaults to stdout; tests pass a stream to read what was logged. */
  stream?: NodeJS.WritableStream;
}

export function createLogger({ service, level = "info", stream }: LoggerOptions): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      redaction(level === "debug"),
      winston.format.json(),
    ),
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console()],
  });
}
