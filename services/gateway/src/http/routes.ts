// Routes are declared once — method, path, params, query, headers, body,
// responses, who may call — and both the express handlers and the OpenAPI
// document come from that declaration, so the document cannot drift from
// what the API does. Handlers map wire data to one use-case call; the
// permission named here is documented, and enforced by the use case itself.
import type { Request, RequestHandler, Response } from "express";
import type { z } from "zod";
import createRouter, { type HTTPMethod } from "find-my-way";
import { AppError, extendContext } from "@fleet/service-kit";
import type { Actor, Permission } from "../auth/permissions.js";
import { JsonText } from "./json-text.js";
import { parseInput } from "./validation.js";

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface ResponseSpec {
  description: string;
  /** JSON body schema; absent for empty bodies (and for error answers, which then have the error body). */
  schema?: z.ZodType;
  /** Non-JSON bodies (e.g. image/png), documented as binary. */
  contentType?: string;
}

/** What a handler answers; headers such as cookies may also be set on `res` directly. */
export interface Reply {
  status: number;
  /** Serialised as JSON; a Buffer is sent as it is, a JsonText as JSON already serialised. */
  body?: unknown;
  headers?: Record<string, string>;
}

interface Inputs<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType> {
  params: z.infer<P>;
  query: z.infer<Q>;
  headers: z.infer<H>;
  body: z.infer<B>;
  req: Request;
  res: Response;
}

interface SpecBase<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express form, relative to /api: `/bots/:botId`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  headers?: H;
  body?: B;
  /** The request body's media type in the document when it is not JSON (e.g. text/csv, read as text by its own body parser). */
  bodyContentType?: string;
  /** Success and domain-specific answers; the common error answers are documented for every route. */
  responses: Record<number, ResponseSpec>;
}

export interface PublicRouteSpec<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType> extends SpecBase<P, Q, H, B> {
  handle(input: Inputs<P, Q, H, B>): Promise<Reply>;
}

export interface UserRouteSpec<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType> extends SpecBase<P, Q, H, B> {
  /** What the use case behind it requires (documented as `x-permission`; checked by the use case). */
  permission: Permission;
  handle(input: Inputs<P, Q, H, B> & { actor: Actor }): Promise<Reply>;
}

/** A declared route with its types erased, as the app, the document and the tests list them. */
export interface Route {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** "public", or the permission an authenticated caller needs. */
  access: "public" | Permission;
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  bodyContentType?: string;
  responses: Record<number, ResponseSpec>;
  handler(authenticate: Authenticate): RequestHandler;
}

/** Bearer token → the acting user (throws 401 otherwise); at once when nothing needs to be read. */
export type Authenticate = (req: Request) => Actor | Promise<Actor>;


function inputsOf<P extends z.ZodType, Q extends z.ZodType, H extends z.ZodType, B extends z.ZodType>(spec: SpecBase<P, Q, H, B>, req: Request, res: Response): Inputs<P, Q, H, B> {
  // A part the route does not declare reads as {} (what parsing it with an empty schema gives), without parsing it.
  return {
    params: spec.params ? parseInput(spec.params, req.params, "params") : {},
    query: spec.query ? parseInput(spec.query, req.query, "query") : {},
    headers: spec.headers ? parseInput(spec.headers, req.headers, "headers") : {},
    body: spec.body ? parseInput(spec.body, req.body, "body") : undefined,
    req,
    res,
  } as Inputs<P, Q, H, B>;
}

function send(res: Response, reply: Reply): void {
  if (reply.headers) for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.statusCode = reply.status;
  if (reply.body === undefined) res.end();
  else if (Buffer.isBuffer(reply.body)) res.send(reply.body);
  else sendJson(res, reply.body instanceof JsonText ? reply.body.bytes : JSON.stringify(reply.body));
}

/**
 * What `res.json` sends — the same Content-Type, Content-Length and text — written at once: the
 * API sets no ETag or Last-Modified, so express's conditional-GET and ETag steps have nothing to do.
 */
function sendJson(res: Response, body: string | Buffer): void {
  if (res.getHeader("content-type") === undefined) res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", typeof body === "string" ? Buffer.byteLength(body) : body.length);
  res.end(body);
}

export function publicRoute<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, H extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUndefined>(spec: PublicRouteSpec<P, Q, H, B>): Route {
  return {
    ...spec,
    access: "public",
    handler: () => async (req, res) => send(res, await spec.handle(inputsOf(spec, req, res))),
  };
}

export function userRoute<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, H extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUndefined>(spec: UserRouteSpec<P, Q, H, B>): Route {
  return {
    ...spec,
    access: spec.permission,
    handler: (authenticate) => async (req, res) => {
      const known = authenticate(req);
      const actor = known instanceof Promise ? await known : known;
      extendContext({ tenantId: actor.tenantId });
      send(res, await spec.handle({ ...inputsOf(spec, req, res), actor }));
    },
  };
}

/** Express path `/bots/:botId` → OpenAPI path `/bots/{botId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** No limit of the router's own on a parameter's length: Node's header limit (16 KiB) bounds the URL, and the route's schema answers what is too long. */
const MAX_PARAM_LENGTH = 16 * 1024;

/** Where a matched route leads: its template (the metrics label) and its handler. */
interface Target {
  path: string;
  handle: RequestHandler;
}

/**
 * Every declared route, dispatched by a radix-tree router (find-my-way): a request finds its route
 * in one lookup instead of being tested against the pattern of every route declared before it.
 * Express's matching rules are kept: paths are case-insensitive, a trailing slash is ignored, HEAD is
 * answered by the GET route, parameters arrive decoded in `req.params`, and a path that matches no
 * route goes on to the next handler (the 404). Two differences: a fixed segment wins over a
 * parameter wherever each was declared (`/products/search` before `/products/:productId`), and
 * escaped letters match the letters (`/%70roducts` is `/products`, RFC 3986 §6.2.2.2). A path whose
 * escapes cannot be decoded is 400 MALFORMED_REQUEST.
 */
export function mountRoutes(routes: readonly Route[], authenticate: Authenticate): RequestHandler {
  const router = createRouter({ caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH });
  const unused = () => undefined;
  for (const route of routes) {
    const target: Target = { path: route.path, handle: route.handler(authenticate) };
    router.on(route.method === "get" ? ["GET", "HEAD"] : (route.method.toUpperCase() as HTTPMethod), route.path, unused, target);
  }
  const undecodable = () => new AppError("invalid_argument", "MALFORMED_REQUEST", "The request path has an escape that cannot be decoded");
  return (req, res, next) => {
    let found;
    try {
      found = router.find(req.method as HTTPMethod, req.path);
    } catch {
      next(undecodable());
      return;
    }
    if (found === null) {
      next(isUndecodable(req.path) ? undecodable() : undefined);
      return;
    }
    const target = found.store as Target;
    req.params = found.params as Record<string, string>;
    // What express's own routes set: the template the request matched (its metrics label).
    req.route = { path: target.path };
    const handled = target.handle(req, res, next) as unknown;
    if (handled instanceof Promise) handled.catch(next);
  };
}

function isUndecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}
