// Evolution API's error envelope. Evolution throws plain objects from its exception classes and
// one express error handler turns them into {status, error, response:{message}}: the exception
// classes pass their arguments as an array (so a schema failure, itself an array, arrives nested),
// UnauthorizedException without arguments says "Unauthorized" as a plain string, and any other
// error (a Baileys "Connection Closed", a body-parser failure) keeps its own message as a string.
export type EvolutionErrorMessage = string | readonly unknown[];

export interface EvolutionErrorBody {
  status: number;
  error: string;
  response: { message: EvolutionErrorMessage };
}

export class EvolutionError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorName: string,
    readonly detail: EvolutionErrorMessage,
  ) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.name = "EvolutionError";
  }

  get body(): EvolutionErrorBody {
    return { status: this.httpStatus, error: this.errorName, response: { message: this.detail } };
  }
}

export const badRequest = (...messages: unknown[]): EvolutionError => new EvolutionError(400, "Bad Request", messages);
export const unauthorized = (): EvolutionError => new EvolutionError(401, "Unauthorized", "Unauthorized");
export const forbidden = (...messages: unknown[]): EvolutionError => new EvolutionError(403, "Forbidden", messages);
export const notFound = (...messages: unknown[]): EvolutionError => new EvolutionError(404, "Not Found", messages);
export const internalError = (...messages: unknown[]): EvolutionError => new EvolutionError(500, "Internal Server Error", messages);

/** An error that is not one of Evolution's exceptions: the handler keeps its message as a string. */
export const unhandledError = (message: string, httpStatus = 500): EvolutionError =>
  new EvolutionError(httpStatus, "Internal Server Error", message);

const reasonPhrases: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * The body Evolution gives for `httpStatus`, used by scripted faults. The defaults are the answers
 * seen on real hosts: 401 from the auth guard, 500 when a send meets a closed Baileys socket
 * before the number check, 400 when it meets it inside the send.
 */
export function errorForStatus(httpStatus: number, message?: string): EvolutionError {
  switch (httpStatus) {
    case 401:
      return message === undefined ? unauthorized() : new EvolutionError(401, "Unauthorized", [message]);
    case 500:
      return unhandledError(message ?? "Connection Closed");
    case 400:
      return badRequest(message ?? "Error: Connection Closed");
    default:
      return new EvolutionError(httpStatus, reasonPhrases[httpStatus] ?? "Error", [message ?? reasonPhrases[httpStatus] ?? "Error"]);
  }
}
