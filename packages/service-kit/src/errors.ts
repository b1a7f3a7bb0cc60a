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
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError("internal", "INTERNAL", "Internal error", { cause: error });
}
