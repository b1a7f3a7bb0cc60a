// A customer as the API shows it: the REST answers' schema, and what the read cache checks entries
// against when they come back from Redis.
import { z } from "zod";
import { pageSchema } from "../../http/pagination.js";

export const CustomerSchema = z
  .object({
    id: z.uuid(),
    whatsappId: z.string().nullable(),
    name: z.string(),
    phone: z.string().nullable(),
    nationalId: z.string().nullable(),
    addresses: z.array(
      z.object({ label: z.string(), line1: z.string(), line2: z.string(), city: z.string(), state: z.string(), postalCode: z.string(), country: z.string(), notes: z.string() }).meta({ id: "Address" }),
    ),
    priceTier: z.string(),
    tags: z.array(z.string()),
    notes: z.string(),
    firstContactAt: z.iso.datetime({ offset: true }).nullable(),
    lastContactAt: z.iso.datetime({ offset: true }).nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    seller: z
      .object({ id: z.uuid(), name: z.string() })
      .nullable()
      .meta({ id: "CustomerSeller", description: "The seller attending the customer now (their open assignment); null when none" }),
  })
  .meta({ id: "Customer" });

export const CustomerPageSchema = pageSchema(CustomerSchema);
