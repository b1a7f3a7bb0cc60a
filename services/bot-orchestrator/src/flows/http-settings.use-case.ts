// A shop's settings for the http steps of its flows: the hosts they may call and its named
// secrets. Secret values go in and never come out: nothing here returns or logs one, and a refused
// value is named by its secret's name only. Hosts, names and values are checked by the repository
// (HTTP_HOST_INVALID, HTTP_HOSTS_TOO_MANY, SECRET_NAME_INVALID, SECRET_VALUE_INVALID).
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { SecretName } from "./language/index.js";
import type { TenantHttpSettings, TenantHttpSettingsRepository } from "../repositories/tenant-http-settings.repository.js";

const Uuid = z.uuid();

function requireTenant(tenantId: string): void {
  if (!Uuid.safeParse(tenantId).success) throw new AppError("invalid_argument", "TENANT_ID_INVALID", "The tenant id must be a UUID");
}

/** The repository answers "not deleted" for a malformed name; a caller deserves to know it can never exist. */
function requireSecretName(name: string): void {
  if (!SecretName.safeParse(name).success) {
    throw new AppError("invalid_argument", "SECRET_NAME_INVALID", "A secret name is 1-64 upper case letters, digits and _, starting with a letter", { details: { name: name.slice(0, 64) } });
  }
}

export interface HttpSettingsDeps {
  settings: Pick<TenantHttpSettingsRepository, "get" | "setAllowedHosts" | "putSecret" | "deleteSecret">;
}

export function createHttpSettings({ settings }: HttpSettingsDeps) {
  return {
    /** The tenant's allowed hosts and the names of its secrets. */
    async get(tenantId: string): Promise<TenantHttpSettings> {
      requireTenant(tenantId);
      return settings.get(tenantId);
    },

    /** Replaces the tenant's allowlist; returns it as stored. */
    async setAllowedHosts(tenantId: string, hosts: readonly string[]): Promise<string[]> {
      requireTenant(tenantId);
      return settings.setAllowedHosts(tenantId, hosts);
    },

    /** Creates or replaces the tenant's secret `name`. */
    async putSecret(tenantId: string, name: string, value: string): Promise<void> {
      requireTenant(tenantId);
      await settings.putSecret(tenantId, name, value);
    },

    /** Removes the tenant's secret `name`; false when it had none of that name. */
    async deleteSecret(tenantId: string, name: string): Promise<boolean> {
      requireTenant(tenantId);
      requireSecretName(name);
      return settings.deleteSecret(tenantId, name);
    },
  };
}

export type HttpSettings = ReturnType<typeof createHttpSettings>;
