// The one typed client of the gateway's REST API (openapi-fetch over the generated schema). Every
// call carries the in-memory access token; a call answered 401 refreshes the session once (one
// refresh in flight for all callers) and is retried once with the new token.
import createClient from "openapi-fetch";
import { accessToken, refreshSession } from "../auth/session";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ErrorBody = Schemas["ErrorBody"];

/** An answer of the API that is not a success, with its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Where the refresh cookie is sent: these calls never trigger a refresh themselves. */
const AUTH_PATHS = ["/api/auth/login", "/api/auth/register", "/api/auth/refresh", "/api/auth/logout"];

function withToken(request: Request): Request {
  const token = accessToken();
  if (!token) return request;
  const headers = new Headers(request.headers);
  headers.set("authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

async function authorizedFetch(request: Request): Promise<Response> {
  const isAuthCall = AUTH_PATHS.includes(new URL(request.url).pathname);
  // Kept before sending: a request's body can be read only once.
  const retry = isAuthCall ? null : request.clone();
  const response = await fetch(isAuthCall ? request : withToken(request));
  if (response.status !== 401 || !retry) return response;
  const refreshed = await refreshSession();
  return refreshed ? fetch(withToken(retry)) : response;
}

export const api = createClient<paths>({ baseUrl: "", credentials: "include", fetch: authorizedFetch });

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error: unknown = value.error;
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" && "message" in error && typeof error.message === "string";
}

/** The data of a successful answer, or throws an ApiError (what TanStack Query shows as the error). */
export function unwrap<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.response.ok && answer.error === undefined) return answer.data as T;
  const body = answer.error;
  if (isErrorBody(body)) throw new ApiError(answer.response.status, body.error.code, body.error.message, body.error.details);
  throw new ApiError(answer.response.status, `HTTP_${answer.response.status}`, answer.response.statusText || "Request failed");
}
