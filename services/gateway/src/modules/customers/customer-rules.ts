// Rules shared by the customers use cases: the stable errors, and how a WhatsApp address gives a phone.
import { AppError } from "@fleet/service-kit";

export const customerNotFound = () => new AppError("not_found", "CUSTOMER_NOT_FOUND", "Customer not found");

export const whatsappTaken = () => new AppError("conflict", "CUSTOMER_EXISTS", "Another customer of the shop has this WhatsApp id");

/** A WhatsApp id such as "5215512345678" or "5215512345678@s.whatsapp.net" is also the phone; a group or LID JID is not. */
export function phoneOfWhatsappId(whatsappId: string): string | null {
  const digits = /^(\d{7,15})(@s\.whatsapp\.net|@c\.us)?$/.exec(whatsappId);
  return digits?.[1] ?? null;
}
