// Runs the call of a flow's http step. A flow is written by a tenant, so the call is treated as
// hostile: the host must be on the tenant's allowlist, every address it resolves to must be public,
// and the connection goes to the very address that was checked (no second DNS answer between the
// check and the connect). Secrets come from the tenant's sealed store, never from the flow, and are
// never logged; the answer is bounded in time and size. Outcomes are CallResults with stable codes:
// url_invalid, host_not_allowed, secret_missing, header_invalid, address_not_allowed, network,
// timeout, http_status, response_too_large. A failure of the orchestrator's own store (reading the
// allowlist or the secrets) rejects instead: it says nothing about the remote end.
import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { Logger } from "@fleet/service-kit";
import type { JsonValue } from "../language/index.js";
import type { Call, CallResult } from "../engine/effects.js";
import type { TenantHttpSettingsRepository } from "../../repositories/tenant-http-settings.repository.js";
import { isHostAllowed, normalHostOf } from "./allowed-hosts.js";
import { isPublicAddress, type AddressPredicate } from "./public-address.js";

export type HttpCall = Extract<Call, { kind: "http" }>;
export type HttpCallRunner = (tenantId: string, call: HttpCall, idempotencyKey: string) => Promise<CallResult>;
/** Every address `hostname` resolves to. */
export type HostLookup = (hostname: string) => Promise<LookupAddress[]>;

export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
const DEFAULT_USER_AGENT = "fleet-bot-orchestrator/1 (http step)";

export interface HttpCallRunnerDeps {
  settings: Pick<TenantHttpSettingsRepository, "get" | "resolveSecrets">;
  logger: Logger;
  /** Default: the system resolver, every address. */
  lookup?: HostLookup;
  /** Which resolved addresses may be connected to. Default: public unicast only (isPublicAddress). */
  isAllowedAddress?: AddressPredicate;
  /** Largest response body read; a larger one fails with response_too_large. */
  maxResponseBytes?: number;
  userAgent?: string;
  /** Certificates to trust instead of the system's (tests: a self-signed local server). */
  ca?: string | Buffer;
  /** Plain http too: only for a local test server, never in a running fleet. */
  allowHttp?: boolean;
}

// Headers the runner owns: a flow may not set them (the first four are refused by validation too).
const RUNNER_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "accept-encoding"]);
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
// What node accepts in a header value; anything else (CR, LF…) would let a value add headers.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const fail = (code: string, message: string, status?: number): CallResult => (status === undefined ? { ok: false, code, message } : { ok: false, code, message, status });

const defaultLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A lookup for the connection that answers only the addresses already vetted. */
function vettedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 4 || options.family === "IPv4" ? 4 : options.family === 6 || options.family === "IPv6" ? 6 : 0;
    const usable = addresses.filter((address) => family === 0 || address.family === family);
    const first = usable[0];
    if (!first) {
      const error: NodeJS.ErrnoException = new Error("no vetted address of the requested family");
      error.code = "ENOTFOUND";
      callback(error, "");
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, first.address, first.family);
  };
}

function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (typeof value === "object") return Object.values(value).every(isJsonValue);
  return false;
}

/** The parsed JSON body, or null when it is empty or not JSON. */
function parseBody(body: Buffer): JsonValue {
  const text = body.toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") return null;
  try {
    const value: unknown = JSON.parse(text);
    return isJsonValue(value) ? value : null;
  } catch {
    return null;
  }
}

/** A network error as a result: the TLS case is worth telling staff apart; the rest is "the connection failed". */
function networkFailure(error: unknown): CallResult {
  // Not `instanceof Error`: errors raised inside node may come from another realm.
  const code = typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : "";
  if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code) || code.includes("CERT")) {
    return fail("network", "the host's TLS certificate was not accepted");
  }
  return fail("network", "the connection to the host failed");
}

interface Prepared {
  url: URL;
  host: string;
  headers: Record<string, string>;
  body?: string;
}

export function createHttpCallRunner(deps: HttpCallRunnerDeps): HttpCallRunner {
  const lookup = deps.lookup ?? defaultLookup;
  const isAllowedAddress = deps.isAllowedAddress ?? isPublicAddress;
  const maxResponseBytes = deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userAgent = deps.userAgent ?? DEFAULT_USER_AGENT;
  const { logger } = deps;

  function parseUrl(text: string): URL | null {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return null;
    }
    const schemeAllowed = url.protocol === "https:" || (deps.allowHttp === true && url.protocol === "http:");
    return schemeAllowed && url.username === "" && url.password === "" ? url : null;
  }

  /** Checks the URL, the allowlist and the headers, and resolves the secrets: everything before the network. */
  async function prepare(tenantId: string, call: HttpCall, idempotencyKey: string): Promise<Prepared | CallResult> {
    const url = parseUrl(call.url);
    if (!url) return fail("url_invalid", deps.allowHttp ? "the URL is not a valid http(s) URL" : "the URL is not a valid https URL");
    const host = normalHostOf(url);
    const { allowedHosts } = await deps.settings.get(tenantId);
    // An IP literal is never on an allowlist (entries are names), whatever the list holds.
    if (isIP(host.replace(/^\[|\]$/g, "")) !== 0 || !isHostAllowed(host, allowedHosts)) {
      return fail("host_not_allowed", `${host.slice(0, 253)} is not on the tenant's list of allowed hosts`);
    }

    const secretNames = call.headers.flatMap((header) => ("secret" in header ? [header.secret] : []));
    const secrets = secretNames.length > 0 ? await deps.settings.resolveSecrets(tenantId, secretNames) : {};
    const missing = secretNames.find((name) => secrets[name] === undefined);
    if (missing !== undefined) return fail("secret_missing", `the tenant has no secret named ${missing}`);

    const headers: Record<string, string> = { "user-agent": userAgent, accept: "application/json", "accept-encoding": "identity" };
    if (call.method !== "GET") headers["idempotency-key"] = idempotencyKey;
    // A GET carries no body: many servers refuse one.
    const body = call.body !== undefined && call.method !== "GET" ? JSON.stringify(call.body) : undefined;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    // A flow's header replaces a default of the same name (an API that wants its own Accept or Content-Type).
    for (const header of call.headers) {
      const name = header.name.toLowerCase();
      if (!HEADER_NAME.test(header.name) || RUNNER_HEADERS.has(name)) return fail("header_invalid", `the header ${header.name.slice(0, 64)} cannot be set by a flow`);
      // `?? ""` only for the compiler: a missing secret returned secret_missing above.
      const value = "secret" in header ? `${header.prefix ?? ""}${secrets[header.secret] ?? ""}` : header.value;
      // The message names the header, never its value (it may hold a secret).
      if (!HEADER_VALUE.test(value)) return fail("header_invalid", `the value of the header ${header.name} holds characters a header cannot carry`);
      headers[name] = value;
    }
    if (!HEADER_VALUE.test(idempotencyKey)) return fail("header_invalid", "the idempotency key holds characters a header cannot carry");
    return body === undefined ? { url, host, headers } : { url, host, headers, body };
  }

  /** Resolves the host and vets every address, before the deadline. */
  async function resolve(host: string, deadline: number): Promise<LookupAddress[] | CallResult> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<null>((done) => {
      timer = setTimeout(() => done(null), Math.max(0, deadline - Date.now()));
    });
    try {
      const addresses = await Promise.race([lookup(host), expired]);
      if (addresses === null) return fail("timeout", "the host name did not resolve in time");
      if (addresses.length === 0) return fail("network", "the host name does not resolve");
      // One refused address refuses the host: the connection could land on any of them.
      if (!addresses.every((entry) => isAllowedAddress(entry.address))) return fail("address_not_allowed", `${host} resolves to an address that is not public`);
      return addresses;
    } catch {
      return fail("network", "the host name does not resolve");
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends the request to the vetted addresses and reads a bounded answer before the deadline. */
  function send(call: HttpCall, prepared: Prepared, addresses: LookupAddress[], deadline: number): Promise<CallResult> {
    const { url, host, headers, body } = prepared;
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<CallResult>((settle) => {
      let settled = false;
      let request: http.ClientRequest | undefined;
      const timer = setTimeout(() => finish(fail("timeout", "the host did not answer in time")), Math.max(0, deadline - Date.now()));
      function finish(result: CallResult): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        settle(result);
        // Stops a slow or oversized answer; a late error event meets a settled promise.
        request?.destroy();
      }
      try {
        request = transport.request({
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port === "" ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: call.method,
          headers,
          lookup: vettedLookup(addresses),
          // One connection per call: a pooled socket would skip the lookup above.
          agent: false,
          servername: host,
          ...(deps.ca === undefined ? {} : { ca: deps.ca }),
        });
      } catch {
        finish(fail("header_invalid", "the request could not be built from the step's headers"));
        return;
      }
      request.on("error", (error) => finish(networkFailure(error)));
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        // Redirects are not followed: their target was never checked.
        if (status < 200 || status > 299) {
          finish(fail("http_status", `the host answered ${status}`, status));
          return;
        }
        const declared = Number(response.headers["content-length"]);
        if (Number.isFinite(declared) && declared > maxResponseBytes) {
          finish(fail("response_too_large", `the answer is larger than ${maxResponseBytes} bytes`, status));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) finish(fail("response_too_large", `the answer is larger than ${maxResponseBytes} bytes`, status));
          else chunks.push(chunk);
        });
        response.on("end", () => finish({ ok: true, value: parseBody(Buffer.concat(chunks)), status }));
        response.on("error", (error) => finish(networkFailure(error)));
      });
      request.end(body);
    });
  }

  async function run(tenantId: string, call: HttpCall, idempotencyKey: string): Promise<{ host?: string; result: CallResult }> {
    const prepared = await prepare(tenantId, call, idempotencyKey);
    if ("ok" in prepared) return { result: prepared };
    // The step's deadline covers the remote end: resolving, connecting, the headers and the body.
    const deadline = Date.now() + call.timeoutMs;
    const addresses = await resolve(prepared.host, deadline);
    if (!Array.isArray(addresses)) return { host: prepared.host, result: addresses };
    return { host: prepared.host, result: await send(call, prepared, addresses, deadline) };
  }

  return async (tenantId, call, idempotencyKey) => {
    const started = Date.now();
    const { host, result } = await run(tenantId, call, idempotencyKey);
    // Host, status, duration and code only: never the path, the headers or the bodies.
    const meta = { tenantId, step: call.step, method: call.method, host, status: result.status, durationMs: Date.now() - started, code: result.ok ? "ok" : result.code };
    if (result.ok) logger.info("http step call", meta);
    else logger.warn("http step call failed", meta);
    return result;
  };
}
