// Where a bot's provider calls may go. A bot's own `base_url` setting comes
// from a tenant (through the dashboard) and every call to it carries the bot's
// credentials: it may only name a host on its provider kind's allowlist
// (config), over https unless the fleet runs in test mode. Otherwise a tenant
// could send a token to any server (token exfiltration, SSRF).
import { z } from "zod";

export interface BaseUrlPolicy {
  /** Host names a bot's base_url may use (exact, or "*.example.com" for its subdomains). The default base URL's host is always allowed. */
  allowedHosts: readonly string[];
  /** Plain http (local fakes, tests); https only otherwise. */
  allowHttp: boolean;
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.startsWith("*.") ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry));
}

/** Why `value` may not be a base URL under `policy`, or null when it may. */
export function baseUrlProblem(value: string, policy: BaseUrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL";
  }
  if (url.protocol !== "https:" && !(policy.allowHttp && url.protocol === "http:")) return policy.allowHttp ? "must be an http(s) URL" : "must be an https URL";
  if (url.username || url.password) return "must not carry credentials";
  if (url.search || url.hash) return "must not have a query or fragment";
  if (!hostAllowed(url.hostname.toLowerCase(), policy.allowedHosts)) return `host ${url.hostname} is not on this provider's allowlist`;
  return null;
}

/** A zod string for a `base_url` setting under `policy`. */
export function baseUrlSetting(policy: BaseUrlPolicy) {
  return z.string().superRefine((value, ctx) => {
    const problem = baseUrlProblem(value, policy);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** The allowlist of a kind: the configured hosts plus the host of its default base URL. */
export function basePolicy(defaultBaseUrl: string | undefined, extraHosts: readonly string[], allowHttp: boolean): BaseUrlPolicy {
  const hosts = [...extraHosts];
  if (defaultBaseUrl) hosts.push(new URL(defaultBaseUrl).hostname.toLowerCase());
  return { allowedHosts: hosts, allowHttp };
}

/** The URL root to call: the bot's own base_url (already checked) or the default, without a trailing slash. */
export function rootOf(settings: Record<string, string>, defaultBaseUrl: string): string {
  return (settings.base_url ?? defaultBaseUrl).replace(/\/+$/, "");
}
