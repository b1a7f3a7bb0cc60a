// The OpenAPI 3.1 document of /api, generated from the declared routes (zod
// schemas through zod-openapi), served at /api/openapi.json with a docs page
// at /api/docs. Every route also documents the uniform error body for the
// answers any route may give. Neither is needed to serve the API: the
// document is generated, and the docs page's package loaded, when first asked
// for (together about a tenth of the gateway's start).
import { Router, type RequestHandler } from "express";
import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import { openApiPath, type Route } from "./routes.js";

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable, machine-readable code, e.g. VALIDATION_FAILED" }),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: "ErrorBody", description: "Every error answer of the API" });

const COMMON_ERRORS: Record<number, string> = {
  400: "The request is not valid (VALIDATION_FAILED, MALFORMED_JSON, …)",
  413: "The body is too large (PAYLOAD_TOO_LARGE)",
  415: "The body is not JSON (UNSUPPORTED_MEDIA_TYPE)",
  429: "Too many requests (RATE_LIMITED); see Retry-After",
  500: "Unexpected error; the requestId is logged with the cause",
  503: "A dependency is unavailable right now; retry later",
};
const USER_ERRORS: Record<number, string> = {
  401: "Missing, invalid or expired access token (UNAUTHENTICATED)",
  403: "The caller's role does not allow this (FORBIDDEN)",
};

type StatusCode = `${1 | 2 | 3 | 4 | 5}${string}`;

function responsesOf(route: Route): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  const errors = { ...COMMON_ERRORS, ...(route.access === "public" ? {} : USER_ERRORS) };
  for (const [status, description] of Object.entries(errors)) {
    responses[status as StatusCode] = { description, content: { "application/json": { schema: ErrorBodySchema } } };
  }
  for (const [status, spec] of Object.entries(route.responses)) {
    // An error answer has the error body unless the route says otherwise (e.g. health's 503).
    const schema = spec.schema ?? (Number(status) >= 400 ? ErrorBodySchema : undefined);
    const content = spec.contentType ? { [spec.contentType]: { schema: z.string().meta({ format: "binary" }) } } : schema ? { "application/json": { schema } } : undefined;
    responses[status as StatusCode] = content ? { description: spec.description, content } : { description: spec.description };
  }
  return responses;
}

function operationOf(route: Route): ZodOpenApiOperationObject & { "x-permission"?: string } {
  const requestParams: NonNullable<ZodOpenApiOperationObject["requestParams"]> = {};
  if (route.params instanceof z.ZodObject) requestParams.path = route.params;
  if (route.query instanceof z.ZodObject) requestParams.query = route.query;
  if (route.headers instanceof z.ZodObject) requestParams.header = route.headers;
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: route.tags,
    ...(Object.keys(requestParams).length > 0 ? { requestParams } : {}),
    ...(route.body ? { requestBody: { required: true, content: { [route.bodyContentType ?? "application/json"]: { schema: route.body } } } } : {}),
    responses: responsesOf(route),
    ...(route.access === "public" ? { security: [] } : { security: [{ bearer: [] }], "x-permission": route.access }),
  };
}

export function buildOpenApiDocument(routes: readonly Route[], version: string): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = `/api${openApiPath(route.path)}`;
    paths[path] = { ...paths[path], [route.method]: operationOf(route) };
  }
  return createDocument({
    openapi: "3.1.0",
    info: { title: "WhatsApp sales fleet — dashboard API", version, description: "The gateway's REST API for the dashboard. Errors always have the body `{ error: { code, message, details?, requestId } }`." },
    paths,
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
  });
}

/** GET /openapi.json and the docs page at /docs (relative to /api); `document` is called once, when first needed. */
export function openApiRoutes(document: () => object): Router {
  const router = Router();
  router.get("/openapi.json", (_req, res) => {
    res.json(document());
  });
  let docsPage: Promise<RequestHandler> | undefined;
  router.use("/docs", (req, res, next) => {
    docsPage ??= import("swagger-ui-express").then(({ default: swaggerUi }) => Router().use(swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: "/api/openapi.json" } })));
    docsPage.then((page) => page(req, res, next), next);
  });
  return router;
}
