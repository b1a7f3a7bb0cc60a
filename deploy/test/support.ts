// Helpers shared by the deploy tests: repository paths, running tools, free ports, raw HTTP
// requests, and narrowing parsed YAML without `any`.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);

export const run = promisify(execFile);

/** The fleet's services and their HTTP ports (services/<name>/src/config.ts defaults). */
export const FLEET = {
  gateway: 3000,
  "whatsapp-adapter": 3001,
  "bot-orchestrator": 3002,
  "analytics-worker": 3003,
} as const;
export const FLEET_SERVICES = Object.keys(FLEET) as (keyof typeof FLEET)[];

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function record(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

export function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

/** Parses a YAML file of the repository; `<<` merge keys resolve as Compose resolves them. */
export function readYaml(relativePath: string): Json {
  return record(parse(readFileSync(repoPath(relativePath), "utf8"), { merge: true }), relativePath);
}

export { freePort } from "@fleet/testing";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given (node does not normalise it), e.g. `/webhooks/../metrics`. */
  path: string;
  headers?: OutgoingHttpHeaders;
  /** Each chunk is written separately; without a content-length header the body goes chunked. */
  body?: Buffer | Buffer[];
}

/** One HTTP/1.1 request on a fresh connection (no agent, so nothing lingers after a test). */
export function rawRequest(port: number, options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once("error", reject);
    });
    req.once("error", reject);
    const chunks = options.body === undefined ? [] : Array.isArray(options.body) ? options.body : [options.body];
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
