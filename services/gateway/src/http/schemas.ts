// Wire schemas several modules share.
import { z } from "zod";
import { roles } from "../auth/tokens.js";

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address")
  .meta({ example: "ana@tienda.mx" });

export const RoleSchema = z.enum(roles).meta({ id: "Role", description: "owner, admin, agent (a seller) or viewer" });

export const TenantSlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be a tenant slug (a-z, 0-9, -)");

/** A path id: anything else is a 400 with the field named, never a database error. */
export const uuidParam = (name: string) => z.object({ [name]: z.uuid("must be a UUID") });
