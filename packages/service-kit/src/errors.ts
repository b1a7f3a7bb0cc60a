// One error type for the whole fleet. A stable `code` travels to clients; the
// `kind` decides the HTTP status and gRPC status at the edges.

export type ErrorKind =
  | "invalid_argument"
  | "unauthenticated"
  | "permission_denied"
  | "not_found"
  | "conflict"
  | "failed_precondition"
  | "rate_limited"
  | "unavailable"
  | "deadline_exceeded"
  | "unimplemented"
  | "internal";

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
}

export class AppError extends Error {
  override readonly name = "AppError";
  readonly details: unknown;

  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.details = options.details;
  }

  /** True for errors whose cause is transient: the same call may succeed later. */
  get retryable(): boolean {
    return this.kind === "unavailable" || this.kind === "rate_limited" || this.kind === "deadline_exceeded";
  }
}

const httpStatusByKind: Record<ErrorKind, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  failed_precondition: 412,
  rate_limited: 429,
  unavailable: 503,
  deadline_exceeded: 504,
  unimplemented: 501,
  internal: 500,
};

export function httpStatusOf(kind: ErrorKind): number {
  return httpStatusByKind[kind];
}

/** Any thrown value as an AppError; unknown errors become INTERNAL and keep the original as cause. */
/** Socket errors of a dependency's connection (Redis, Postgres): the dependency is away, not our bug. */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "NR_CLOSED"]);

/**
 * Whether an error says a dependency's connection failed: ioredis giving up on a command while
 * reconnecting (MaxRetriesPerRequestError, "Connection is closed."), or a refused or reset socket.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "MaxRetriesPerRequestError" || error.message === "Connection is closed.") return true;
  return "code" in error && typeof error.code === "string" && CONNECTION_CODES.has(error.code);
}

/**
 * Any error as an AppError: a dependency whose connection failed is `unavailable` (retryable: 503,
 * gRPC UNAVAILABLE), so callers try again instead of treating a Redis restart as a rejection;
 * anything else unknown is INTERNAL.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isConnectionError(error)) return new AppError("unavailable", "DEPENDENCY_UNAVAILABLE", "A service this request needs is unavailable; try again shortly", { cause: error });
  return new AppError("internal", "INTERNAL", "Internal error", { cause: error });
}
