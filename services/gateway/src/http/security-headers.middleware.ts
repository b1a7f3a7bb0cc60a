// Security headers (helmet) for a JSON API that also serves one HTML page, the
// API docs. JSON answers get a Content-Security-Policy that allows nothing (a
// response rendered as a page by mistake can run nothing and be framed by
// nobody); the docs page gets one that allows its own scripts and styles from
// this origin only (Swagger UI sets inline styles and data: images, nothing
// inline for scripts). Both: HSTS, nosniff, no referrer, no framing.
import type { Request, RequestHandler, Response } from "express";
import helmet from "helmet";

export interface SecurityHeadersOptions {
  /** Path of the docs page (and its assets), as the browser requests it. */
  docsPath?: string;
}

const common = {
  xFrameOptions: { action: "deny" },
  referrerPolicy: { policy: "no-referrer" },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
} as const;

// Headers that only concern HTML documents (DNS prefetching, legacy IE download and XSS filters,
// Flash/PDF cross-domain policies, window isolation) are left off JSON answers: a JSON body cannot
// use them, and each adds bytes to every answer of a busy API.
const apiHeaders = recorded(helmet({
  ...common,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
}));

const docsHeaders = recorded(helmet({
  ...common,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      fontSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
}));

/**
 * The headers a helmet configuration writes, worked out once: with static directives (no nonces,
 * nothing read from the request) helmet answers every request with the same headers, so a request
 * sets them in one loop instead of walking helmet's chain of a dozen middlewares.
 */
function recorded(middleware: RequestHandler): RequestHandler {
  const headers = new Map<string, string>();
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name.toLowerCase(), String(value));
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let finished = false;
  void middleware({} as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error("helmet did not answer synchronously; its headers cannot be recorded");
  const entries = [...headers];
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of entries) res.setHeader(name, value);
    next();
  };
}

function pathOf(req: Request): string {
  const url = req.originalUrl;
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

export function securityHeaders({ docsPath = "/api/docs" }: SecurityHeadersOptions = {}): RequestHandler {
  return (req, res, next) => {
    const path = pathOf(req);
    const isDocs = path === docsPath || path.startsWith(`${docsPath}/`);
    (isDocs ? docsHeaders : apiHeaders)(req, res, next);
  };
}
