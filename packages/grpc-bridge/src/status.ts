// AppError <-> gRPC status. The stable error code and details travel in
// trailing metadata so the calling service gets back the same AppError.
import { Metadata, status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { AppError, type ErrorKind } from "@fleet/service-kit";

const CODE_KEY = "app-error-code";
const DETAILS_KEY = "app-error-details-bin";

const statusByKind: Record<ErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  conflict: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  rate_limited: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  unimplemented: status.UNIMPLEMENTED,
  internal: status.INTERNAL,
};

const kindByStatus = new Map<status, ErrorKind>(Object.entries(statusByKind).map(([kind, code]) => [code, kind as ErrorKind]));
kindByStatus.set(status.ABORTED, "conflict");
kindByStatus.set(status.OUT_OF_RANGE, "invalid_argument");
kindByStatus.set(status.CANCELLED, "unavailable");

export function grpcStatusOf(kind: ErrorKind): status {
  return statusByKind[kind];
}

/** The status a server sends for an AppError (internal errors keep their cause out of the message). */
export function toStatusObject(error: AppError): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set(CODE_KEY, error.code);
  if (error.details !== undefined && error.kind !== "internal") {
    metadata.set(DETAILS_KEY, Buffer.from(JSON.stringify(error.details)));
  }
  return { code: grpcStatusOf(error.kind), details: error.message, metadata };
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && "code" in error && typeof error.code === "number" && "metadata" in error;
}

/** A client-side gRPC failure as the AppError the server raised (or a transport error as UNAVAILABLE/DEADLINE_EXCEEDED). */
export function fromServiceError(error: unknown, method: string): AppError {
  if (!isServiceError(error)) return new AppError("internal", "INTERNAL", `gRPC call ${method} failed`, { cause: error });
  const kind = kindByStatus.get(error.code) ?? "internal";
  const code = error.metadata.get(CODE_KEY)[0];
  const rawDetails = error.metadata.get(DETAILS_KEY)[0];
  let details: unknown;
  if (Buffer.isBuffer(rawDetails)) {
    try {
      details = JSON.parse(rawDetails.toString("utf8"));
    } catch {
      details = undefined;
    }
  }
  // Without our code the failure came from the transport (connection refused, deadline): its text names
  // internal addresses, so callers get a fixed message; the original stays in `cause` for logs.
  const fromServer = typeof code === "string";
  const message = fromServer ? error.details || `gRPC call ${method} failed` : `gRPC call ${method} failed: ${status[error.code] ?? "UNKNOWN"}`;
  return new AppError(kind, fromServer ? code : `GRPC_${status[error.code]}`, message, {
    details,
    cause: error,
  });
}

/** An AppError as the fields of an error carried inside a response (a batch's failed item), not as the call's status. */
export interface ErrorFields {
  kind: string;
  code: string;
  message: string;
  /** The details as JSON, "" without details. */
  detailsJson: string;
}

/** As toStatusObject: an internal error keeps its cause and details to the server (log it there). */
export function toErrorFields(error: AppError): ErrorFields {
  const internal = error.kind === "internal";
  return {
    kind: error.kind,
    code: error.code,
    message: internal ? "Internal error" : error.message,
    detailsJson: error.details !== undefined && !internal ? JSON.stringify(error.details) : "",
  };
}

/** The AppError an item's error fields describe; a kind this build does not know reads as internal. */
export function fromErrorFields(fields: ErrorFields): AppError {
  const kind = Object.hasOwn(statusByKind, fields.kind) ? (fields.kind as ErrorKind) : "internal";
  let details: unknown;
  if (fields.detailsJson !== "") {
    try {
      details = JSON.parse(fields.detailsJson);
    } catch {
      details = undefined;
    }
  }
  return new AppError(kind, fields.code || "INTERNAL", fields.message || "Internal error", details === undefined ? {} : { details });
}
