// Setting value shapes shared by the providers' settings schemas.
import { z } from "zod";

export const digits = z.string().regex(/^\d{5,20}$/, "must be digits");

/** Sends per second allowed for the number (Meta: 80 by default, up to 1,000 after an upgrade). */
export const messagesPerSecond = z
  .string()
  .regex(/^\d{1,4}$/, "must be a whole number")
  .refine((v) => Number(v) >= 1 && Number(v) <= 1000, "must be 1-1000");

export const e164 = z.string().regex(/^\+\d{7,15}$/, "must be an E.164 number like +5215512345678");
