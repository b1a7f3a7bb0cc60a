// /api/flows/http-settings: the hosts the tenant's http steps may call and its named secrets, whose
// values are write-only (no answer carries one). These literal paths are declared before
// /flows/:flowId, which would otherwise take GET /flows/http-settings and refuse it as a bad id.
import { z } from "zod";
import { userRoute, type Route } from "../../http/routes.js";
import type { HttpSettings } from "./http-settings.use-case.js";

/** The orchestrator's bounds (tenant-http-settings.repository.ts, allowed-hosts.ts). */
const MAX_ALLOWED_HOSTS = 50;
const MAX_SECRET_VALUE_LENGTH = 4096;

const SecretParams = z.object({
  name: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must be 1-64 upper case letters, digits and _, starting with a letter (what a header's secret names)"),
});

const HostList = z.array(z.string()).meta({ description: 'Sorted: exact hosts ("api.example.com") and wildcards ("*.example.com": any subdomain, not example.com itself)' });
const HttpSettingsSchema = z
  .object({ allowedHosts: HostList, secretNames: z.array(z.string()).meta({ description: "Sorted names of the tenant's secrets; their values are never returned" }) })
  .meta({ id: "HttpSettings" });

const AllowedHostsBody = z
  .object({
    hosts: z
      .array(z.string().min(1).max(300))
      .max(MAX_ALLOWED_HOSTS)
      .meta({ description: "The whole list (it replaces the stored one; [] allows nothing): host names or *.domain, without scheme, port or path" }),
  })
  .strip();
const SecretBody = z
  .object({ value: z.string().min(1).max(MAX_SECRET_VALUE_LENGTH).meta({ description: "Printable ASCII; stored sealed and never returned" }) })
  .strip();

export function httpSettingsRoutes({ settings }: { settings: HttpSettings }): Route[] {
  const tags = ["flows"];
  return [
    userRoute({
      method: "get",
      path: "/flows/http-settings",
      operationId: "getHttpSettings",
      summary: "The hosts the tenant's http steps may call and the names of its secrets (never their values)",
      tags,
      permission: "flows:read",
      responses: { 200: { description: "The settings", schema: HttpSettingsSchema } },
      handle: async ({ actor }) => ({ status: 200, body: await settings.get(actor) }),
    }),
    userRoute({
      method: "put",
      path: "/flows/http-settings/allowed-hosts",
      operationId: "setHttpAllowedHosts",
      summary: "Replace the hosts the tenant's http steps may call",
      tags,
      permission: "flows:write",
      body: AllowedHostsBody,
      responses: {
        200: { description: "The list as stored: lower case, punycode, without duplicates, sorted", schema: z.object({ allowedHosts: HostList }) },
        400: { description: "VALIDATION_FAILED; HTTP_HOST_INVALID (details.host: an IP literal, a local name, a port or path…); HTTP_HOSTS_TOO_MANY. The stored list is unchanged" },
      },
      handle: async ({ actor, body }) => ({ status: 200, body: await settings.setAllowedHosts(actor, body.hosts) }),
    }),
    userRoute({
      method: "put",
      path: "/flows/http-settings/secrets/:name",
      operationId: "putHttpSecret",
      summary: "Create or replace a tenant secret that http step headers name; its value is never returned",
      tags,
      permission: "flows:write",
      params: SecretParams,
      body: SecretBody,
      responses: {
        204: { description: "Stored" },
        400: { description: "VALIDATION_FAILED; SECRET_VALUE_INVALID (not printable ASCII)" },
      },
      handle: async ({ actor, params, body }) => {
        await settings.putSecret(actor, params.name, body.value);
        return { status: 204 };
      },
    }),
    userRoute({
      method: "delete",
      path: "/flows/http-settings/secrets/:name",
      operationId: "deleteHttpSecret",
      summary: "Delete a tenant secret (flows naming it then fail validation, and their http steps fail at run time)",
      tags,
      permission: "flows:write",
      params: SecretParams,
      responses: { 204: { description: "Deleted" }, 404: { description: "SECRET_NOT_FOUND" } },
      handle: async ({ actor, params }) => {
        await settings.deleteSecret(actor, params.name);
        return { status: 204 };
      },
    }),
  ];
}
