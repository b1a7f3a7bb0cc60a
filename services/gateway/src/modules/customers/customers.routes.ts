// /api/customers: the shop's customers, from conversations or created in the dashboard. The tenant
// is always the caller's.
import { z } from "zod";
import { userRoute, type Route } from "../../http/routes.js";
import { PageQuery } from "../../http/pagination.js";
import { AddressSchema } from "./customers.repository.js";
import { CustomerPageSchema, CustomerSchema } from "./customers.schemas.js";
import type { ManageCustomers } from "./manage-customers.use-case.js";

export const WhatsappIdSchema = z.string().trim().regex(/^[A-Za-z0-9@._:+-]{3,128}$/, "must be a WhatsApp id (phone digits or a JID)");
const PhoneSchema = z.string().trim().regex(/^\+?[0-9]{7,15}$/, "must be a phone number: 7-15 digits, optionally with a leading +");
const PriceTierSchema = z.string().trim().regex(/^[a-z][a-z0-9_]{0,31}$/, "must be a price tier such as retail, wholesale or vip");
const TagSchema = z.string().trim().min(1).max(40);


export const CustomerParams = z.object({ customerId: z.uuid("must be a UUID") });

const ListQuery = PageQuery.extend({
  q: z.string().trim().min(1).max(100).optional().meta({ description: "Part of the name, phone or WhatsApp id; case and accents are ignored (\"maria\" finds \"María\")" }),
  tag: TagSchema.optional(),
  priceTier: PriceTierSchema.optional(),
  sellerId: z.uuid("must be a UUID").optional().meta({ description: "Only the customers this seller attends now (an agent's own customers)" }),
});

const fields = {
  whatsappId: WhatsappIdSchema.nullable(),
  name: z.string().trim().max(200),
  phone: PhoneSchema.nullable(),
  nationalId: z.string().trim().min(1).max(40).nullable(),
  addresses: z.array(AddressSchema).max(10),
  priceTier: PriceTierSchema,
  tags: z.array(TagSchema).max(30),
  notes: z.string().max(4000),
};

const NewCustomerBody = z
  .object({
    whatsappId: fields.whatsappId.optional(),
    name: fields.name.min(1),
    phone: fields.phone.optional(),
    nationalId: fields.nationalId.optional(),
    addresses: fields.addresses.default([]),
    priceTier: fields.priceTier.default("retail"),
    tags: fields.tags.default([]),
    notes: fields.notes.default(""),
  })
  // Unknown fields (a tenantId, say) are ignored, never believed.
  .strip();

const CustomerChangesBody = z
  .object({
    whatsappId: fields.whatsappId.optional(),
    name: fields.name.min(1).optional(),
    phone: fields.phone.optional(),
    nationalId: fields.nationalId.optional(),
    addresses: fields.addresses.optional(),
    priceTier: fields.priceTier.optional(),
    tags: fields.tags.optional(),
    notes: fields.notes.optional(),
  })
  .strip()
  .refine((changes) => Object.keys(changes).length > 0, "name at least one field to change");

export function customersRoutes({ customers }: { customers: ManageCustomers }): Route[] {
  const tags = ["customers"];
  return [
    userRoute({
      method: "get",
      path: "/customers",
      operationId: "listCustomers",
      summary: "The shop's customers with their current seller, newest first; search by name or phone (accents ignored), filter by tag and price tier",
      tags,
      permission: "customers:read",
      query: ListQuery,
      responses: { 200: { description: "A page of customers", schema: CustomerPageSchema } },
      handle: async ({ actor, query }) => ({ status: 200, body: await customers.list(actor, query) }),
    }),
    userRoute({
      method: "post",
      path: "/customers",
      operationId: "createCustomer",
      summary: "Add a customer",
      tags,
      permission: "customers:write",
      body: NewCustomerBody,
      responses: { 201: { description: "Created", schema: CustomerSchema }, 409: { description: "CUSTOMER_EXISTS: another customer has this WhatsApp id" } },
      handle: async ({ actor, body }) => ({ status: 201, body: await customers.create(actor, body) }),
    }),
    userRoute({
      method: "get",
      path: "/customers/:customerId",
      operationId: "getCustomer",
      summary: "One customer",
      tags,
      permission: "customers:read",
      params: CustomerParams,
      responses: { 200: { description: "The customer", schema: CustomerSchema }, 404: { description: "CUSTOMER_NOT_FOUND" } },
      handle: async ({ actor, params }) => ({ status: 200, body: await customers.get(actor, params.customerId) }),
    }),
    userRoute({
      method: "patch",
      path: "/customers/:customerId",
      operationId: "updateCustomer",
      summary: "Change a customer; null clears an optional field",
      tags,
      permission: "customers:write",
      params: CustomerParams,
      body: CustomerChangesBody,
      responses: {
        200: { description: "The customer as changed", schema: CustomerSchema },
        404: { description: "CUSTOMER_NOT_FOUND" },
        409: { description: "CUSTOMER_EXISTS: another customer has this WhatsApp id" },
      },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await customers.update(actor, params.customerId, body) }),
    }),
  ];
}
