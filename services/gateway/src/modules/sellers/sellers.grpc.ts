// CommerceService.AssignSeller, ReleaseSeller and ListSellersOnDuty: the orchestrator's flows
// (adviser, catalogue interest, problem reports) give the customer a seller and let them go.
// Requests are checked here (400-like INVALID_ARGUMENT with the field), then handed to the use
// cases as the orchestrator acting for the request's tenant.
import { toCustomerMessage } from "../customers/customers-commerce.handler.js";
import { z } from "zod";
import { SellerStatus } from "@fleet/contracts/commerce";
import type { CommerceHandlers } from "../../app.js";
import type { ServiceActor } from "../../auth/permissions.js";
import { parseInput } from "../../http/validation.js";
import type { Assignments } from "./assignments.use-case.js";
import type { ManageSellers } from "./manage-sellers.use-case.js";
import type { SellerRecord } from "./sellers.repository.js";

const Contact = z.string().regex(/^[A-Za-z0-9@._:+-]{3,128}$/, "must be the customer's WhatsApp id");
const AssignRequest = z.object({
  customerContact: Contact,
  customerName: z.string().max(200),
  specialty: z.string().max(60),
  reason: z.string().max(200),
  idempotencyKey: z.string().max(200),
});
const ReleaseRequest = z.object({ customerContact: Contact, sellerId: z.union([z.literal(""), z.uuid("must be a UUID")]) });
const OnDutyRequest = z.object({ specialty: z.string().max(60) });
const StaffRequest = z.object({ phone: z.string().regex(/^\+?[0-9 ()-]{7,24}$/, "must be a phone number") });

const STATUS = { online: SellerStatus.ONLINE, offline: SellerStatus.OFFLINE, busy: SellerStatus.BUSY } as const;

interface SellerMessage {
  id: string;
  name: string;
  phone: string;
  status: SellerStatus;
  specialty: string;
  maxConcurrentCustomers: number;
  currentLoad: number;
  supervisor: boolean;
}

function toSeller(seller: SellerRecord): SellerMessage {
  return {
    id: seller.id,
    name: seller.name,
    phone: seller.phone,
    status: STATUS[seller.status],
    specialty: seller.specialty,
    maxConcurrentCustomers: seller.maxConcurrentCustomers,
    currentLoad: seller.currentLoad,
    supervisor: seller.supervisor,
  };
}

export function sellersCommerceHandlers({ assignments, manage }: { assignments: Assignments; manage: ManageSellers }): CommerceHandlers {
  const actor = (tenantId: string): ServiceActor => ({ service: "bot-orchestrator", tenantId });
  return {
    async assignSeller(request) {
      const input = parseInput(AssignRequest, request, "body");
      const result = await assignments.assign(actor(request.tenantId), {
        customerContact: input.customerContact,
        customerName: input.customerName.trim(),
        specialty: input.specialty,
        reason: input.reason.trim(),
        idempotencyKey: input.idempotencyKey === "" ? null : input.idempotencyKey,
      });
      return {
        seller: toSeller(result.seller),
        assignmentId: result.assignment.id,
        existing: result.existing,
        ...(result.contact ? { customer: toCustomerMessage(result.contact.customer), customerCreated: result.contact.created } : {}),
      };
    },
    async releaseSeller(request) {
      const input = parseInput(ReleaseRequest, request, "body");
      return { released: await assignments.releaseCustomer(actor(request.tenantId), input.customerContact, input.sellerId === "" ? undefined : input.sellerId) };
    },
    async listSellersOnDuty(request) {
      const input = parseInput(OnDutyRequest, request, "body");
      return { sellers: (await manage.onDutyNow(actor(request.tenantId), input.specialty)).map(toSeller) };
    },
    async findStaffByPhone(request) {
      const input = parseInput(StaffRequest, request, "body");
      return { seller: toSeller(await manage.findStaffByPhone(actor(request.tenantId), input.phone)) };
    },
  };
}
