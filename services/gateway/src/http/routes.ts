// Routes are declared once — method, path, params, query, headers, body,
// responses, who may call — and both the express handlers and the OpenAPI
// document come from that declaration, so the document cannot drift from
// what the API does. Handlers map wire data to one use-case call; the
// permission named here is documented, and enforced by the use case itself.
import { Router, type Request, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import { extendContext } from "@fleet/service-kit";
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

/** Bearer token → the acting user (throws 401 otherwise). */
export type Authenticate = (req: Request) => Promise<Actor>;


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
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.status(reply.status);
  if (reply.body === undefined) res.end();
  else if (Buffer.isBuffer(reply.body)) res.send(reply.body);
  else if (reply.body instanceof JsonText) sendJsonText(res, reply.body);
  else res.json(reply.body);
}

/** What `res.json` sends, without serialising again: the same Content-Type (`set` adds the charset), the same text. */
function sendJsonText(res: Response, body: JsonText): void {
  if (!res.get("Content-Type")) res.set("Content-Type", "application/json");
  res.send(body.text);
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
      const actor = await authenticate(req);
      extendContext({ tenantId: actor.tenantId });
      send(res, await spec.handle({ ...inputsOf(spec, req, res), actor }));
    },
  };
}

/** Express path `/bots/:botId` → OpenAPI path `/bots/{botId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** The first segment of a path (`/bots/:botId` → `bots`), lower-cased as express matches it; null when it is a parameter or pattern. */
function firstSegment(path: string): string | null {
  const end = path.indexOf("/", 1);
  const segment = path.slice(1, end === -1 ? path.length : end);
  return /^[\w.~-]*$/.test(segment) ? segment.toLowerCase() : null;
}

/**
 * Every declared route, served as one router would serve them. Requests are dispatched on their
 * path's first segment to a router of the routes that can match it (in declaration order), so a
 * request is not tested against the pattern of every route of the API before its own.
 */
export function mountRoutes(routes: readonly Route[], authenticate: Authenticate): RequestHandler {
  const segments = new Set(routes.map((route) => firstSegment(route.path)).filter((segment) => segment !== null));
  const routerOf = (serves: (segment: string | null) => boolean) => {
    const router = Router();
    for (const route of routes) if (serves(firstSegment(route.path))) router[route.method](route.path, route.handler(authenticate));
    return router;
  };
  // Routes whose first segment is a parameter can match any path: every router has them, in their place.
  const bySegment = new Map([...segments].map((segment) => [segment, routerOf((own) => own === segment || own === null)]));
  const fallback = routes.some((route) => firstSegment(route.path) === null) ? routerOf((own) => own === null) : null;
  return (req, res, next) => {
    const router = bySegment.get(firstSegment(req.path) ?? "") ?? fallback;
    if (router) router(req, res, next);
    else next();
  };
}
