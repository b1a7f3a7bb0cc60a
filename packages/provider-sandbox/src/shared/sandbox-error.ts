// Errors of the sandbox's own control endpoints (/_sandbox/*), as opposed to Graph errors,
// mapped at the HTTP edge to {error:{code,message}}.
export class SandboxError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = "SandboxError";
  }
}
