// Checks every response the tests receive against the OpenAPI document: the
// harness puts this in front of the app, so a test that gets an answer the
// document does not describe (status or body) fails without asking.
import express, { type Express, type Request } from "express";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

interface Operation {
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

type Document = { paths?: Record<string, Record<string, Operation>> };

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

export interface Conformance {
  /** The app, with every JSON answer checked. */
  app: Express;
  /** What did not match, one line each. */
  violations: string[];
}

export function checkedAgainstDocument(inner: Express, document: object): Conformance {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, "openapi");
  const doc = document as Document;
  const templates = Object.keys(doc.paths ?? {}).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+")}$`),
  }));
  const violations: string[] = [];

  function check(req: Request, status: number, body: unknown): void {
    const path = req.originalUrl.split("?")[0] ?? "";
    const method = req.method.toLowerCase();
    const found = templates.find(({ pattern, template }) => pattern.test(path) && doc.paths?.[template]?.[method]);
    // Paths the document does not have (e.g. a typo'd URL answered 404 by the kit) are not the API's contract.
    if (!found) return;
    const responses = doc.paths?.[found.template]?.[method]?.responses ?? {};
    const response = responses[String(status)] ?? responses.default;
    if (!response) {
      violations.push(`${req.method} ${path} answered ${status}, which the document does not list`);
      return;
    }
    if (!response.content?.["application/json"]) return;
    const validate = ajv.getSchema(`openapi#/${pointer("paths", found.template, method, "responses", responses[String(status)] ? String(status) : "default", "content", "application/json", "schema")}`);
    if (validate && !validate(body)) violations.push(`${req.method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`);
  }

  const app = express();
  app.use((req, res, next) => {
    const json = res.json.bind(res);
    const send = res.send.bind(res);
    // res.json sends through res.send: its body is checked once, as a value.
    let inJson = false;
    res.json = (body: unknown) => {
      check(req, res.statusCode, body);
      inJson = true;
      try {
        return json(body);
      } finally {
        inJson = false;
      }
    };
    // JSON serialised ahead of time (a cached page) is sent as text: checked too.
    res.send = (body?: unknown) => {
      if (!inJson && typeof body === "string" && /application\/json/.test(String(res.get("content-type") ?? ""))) check(req, res.statusCode, JSON.parse(body));
      return send(body);
    };
    next();
  });
  app.use(inner);
  return { app, violations };
}
