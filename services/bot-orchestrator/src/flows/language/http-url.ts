// Static checks of the URL of an http step. The flow states the host literally so it can be
// checked here and against the tenant's allowlist; the engine still resolves the host at run time
// and refuses private, loopback and link-local addresses (DNS can point anywhere).
import { isIP } from "node:net";

export type UrlCheck = { ok: true } | { ok: false; code: "http_url_invalid" | "http_url_not_https" | "http_url_host_template" | "http_url_local_host"; message: string };

const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"];

export function checkHttpUrl(template: string): UrlCheck {
  if (!template.toLowerCase().startsWith("https://")) {
    return { ok: false, code: "http_url_not_https", message: "the URL must start with https://" };
  }
  const authority = template.slice("https://".length).split(/[/?#]/, 1)[0] ?? "";
  if (authority.includes("{{")) {
    return { ok: false, code: "http_url_host_template", message: "the host must be written out, not come from a variable" };
  }
  let url: URL;
  try {
    // Template tags stand for path or query text: replace them to parse the rest.
    url = new URL(template.replace(/\{\{[^}]*\}\}\}?/g, "x"));
  } catch {
    return { ok: false, code: "http_url_invalid", message: "the URL does not parse" };
  }
  if (url.username !== "" || url.password !== "") {
    return { ok: false, code: "http_url_invalid", message: "credentials in the URL are not allowed: use a header with a tenant secret" };
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (isIP(host) !== 0) {
    return { ok: false, code: "http_url_local_host", message: "the host must be a name, not an IP address" };
  }
  if (host === "localhost" || LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix)) || !host.includes(".")) {
    return { ok: false, code: "http_url_local_host", message: `"${host}" is a local name` };
  }
  return { ok: true };
}
