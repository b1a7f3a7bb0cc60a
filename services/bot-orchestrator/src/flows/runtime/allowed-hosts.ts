// The tenant allowlist of http steps: which entries may be stored, and whether a URL's host is on it.
// Entries are exact host names or "*.example.com" (any subdomain of example.com, not example.com
// itself), lower-case and IDNA-normalised the way the URL parser writes a host.
import { AppError } from "@fleet/service-kit";
import { checkHttpUrl } from "../language/http-url.js";

export const MAX_ALLOWED_HOSTS = 50;
const MAX_HOST_LENGTH = 253;
// Anything that would make the entry more than a host name: a port, a path, credentials, a second wildcard.
const NOT_IN_A_HOST = /[\s/\\@:?#*%[\]]/u;

function invalidHost(entry: string, reason: string): AppError {
  return new AppError("invalid_argument", "HTTP_HOST_INVALID", `"${entry.slice(0, 100)}" cannot be allowed: ${reason}`, { details: { host: entry.slice(0, 100) } });
}

/** A URL's host as allowlist entries are written: lower-case, punycode, without a trailing dot. */
export function normalHostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.$/, "");
}

/** An allowlist entry as stored, or HTTP_HOST_INVALID (IP literals, local names, ports, paths…). */
export function normaliseAllowedHost(entry: string): string {
  const trimmed = entry.trim();
  const wildcard = trimmed.startsWith("*.");
  const name = wildcard ? trimmed.slice(2) : trimmed;
  if (name === "" || NOT_IN_A_HOST.test(name)) throw invalidHost(entry, "write a host name such as api.example.com or *.example.com");
  let host: string;
  try {
    host = normalHostOf(new URL(`https://${name}/`));
  } catch {
    throw invalidHost(entry, "not a valid host name");
  }
  // The same rules as a flow's literal URL: no IP literal, no localhost, no local names, a dot required
  // (which also keeps "*.com" out).
  const check = checkHttpUrl(`https://${host}/`);
  if (!check.ok) throw invalidHost(entry, check.message);
  const normal = wildcard ? `*.${host}` : host;
  if (normal.length > MAX_HOST_LENGTH) throw invalidHost(entry, "too long");
  return normal;
}

/** The entries as stored: normalised, without duplicates, sorted; at most MAX_ALLOWED_HOSTS. */
export function normaliseAllowedHosts(entries: readonly string[]): string[] {
  const hosts = [...new Set(entries.map(normaliseAllowedHost))].sort();
  if (hosts.length > MAX_ALLOWED_HOSTS) {
    throw new AppError("invalid_argument", "HTTP_HOSTS_TOO_MANY", `At most ${MAX_ALLOWED_HOSTS} hosts can be allowed`, { details: { max: MAX_ALLOWED_HOSTS, given: hosts.length } });
  }
  return hosts;
}

/** Whether `host` (see normalHostOf) is on the allowlist: an exact entry, or a subdomain of a "*." entry. */
export function isHostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((entry) => (entry.startsWith("*.") ? host.endsWith(entry.slice(1)) : host === entry));
}
