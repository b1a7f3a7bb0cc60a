// A seller as stored (dates as dates), for the read cache to check entries against when they come
// back from Redis. The API's answers (with onDuty, dates as text) are declared in sellers.routes.ts.
import { z } from "zod";
import { WeeklyHoursSchema } from "../settings/weekly-hours.js";
import { SELLER_STATUSES, type SellerRecord } from "./sellers.repository.js";

export const StoredSellerSchema: z.ZodType<SellerRecord> = z.object({
  id: z.string(),
  userId: z.string().nullable(),
  name: z.string(),
  phone: z.string(),
  active: z.boolean(),
  status: z.enum(SELLER_STATUSES),
  specialty: z.string(),
  maxConcurrentCustomers: z.number().int(),
  supervisor: z.boolean(),
  currentLoad: z.number().int(),
  schedule: WeeklyHoursSchema.nullable(),
  daysOff: z.array(z.string()),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
});
