// /api/sellers: the shop's sellers, their weekly schedules and days off, and which seller attends
// which customer (/api/sellers/assignments). Everyone reads; managers change; a seller sets their
// own status and releases their own customers. The assignment routes are declared before
// /sellers/{sellerId} so "assignments" is never read as a seller id.
import { z } from "zod";
import { PageQuery, pageSchema } from "../../http/pagination.js";
import { userRoute, type Route } from "../../http/routes.js";
import { WeeklyHoursSchema } from "../settings/weekly-hours.js";
import type { Assignments } from "./assignments.use-case.js";
import type { ManageSellers, SellerView } from "./manage-sellers.use-case.js";
import { SELLER_STATUSES, type AssignmentRecord } from "./sellers.repository.js";

const StatusSchema = z.enum(SELLER_STATUSES).meta({ description: "online, offline or busy" });
const BooleanQuery = z.enum(["true", "false"]).transform((value) => value === "true");
const PhoneSchema = z
  .string()
  .regex(/^\+?[0-9]{7,15}$/, "must be a phone number in E.164 digits")
  .transform((value) => value.replace(/^\+/, ""))
  .meta({ example: "5215512345678" });
const ContactSchema = z.string().regex(/^[A-Za-z0-9@._:+-]{3,128}$/, "must be the customer's WhatsApp id or phone digits");
const SpecialtySchema = z.string().trim().max(60);

const SellerSchema = z
  .object({
    id: z.uuid(),
    userId: z.uuid().nullable().meta({ description: "The dashboard user who is this seller (an agent), if any" }),
    name: z.string(),
    phone: z.string(),
    active: z.boolean(),
    status: StatusSchema,
    specialty: z.string(),
    maxConcurrentCustomers: z.number().int(),
    supervisor: z.boolean(),
    currentLoad: z.number().int().meta({ description: "Open assignments (customers being attended)" }),
    onDuty: z.boolean().meta({ description: "Active, online and inside their schedule now, in the shop's time zone" }),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "Seller" });

const ScheduleSchema = z
  .object({
    weekly: WeeklyHoursSchema.nullable().meta({ description: "Weekly ranges in the shop's time zone; null: no schedule, on duty whenever online" }),
    daysOff: z.array(z.iso.date()).max(366).meta({ description: "Local dates (YYYY-MM-DD) the seller does not work" }),
  })
  .strip()
  .meta({ id: "SellerSchedule" });

const AssignmentSchema = z
  .object({
    id: z.uuid(),
    sellerId: z.uuid(),
    sellerName: z.string(),
    customerId: z.uuid(),
    customerContact: z.string().nullable(),
    customerName: z.string(),
    reason: z.string(),
    strategy: z.enum(["round_robin", "least_loaded", "manual"]),
    assignedAt: z.iso.datetime({ offset: true }),
    releasedAt: z.iso.datetime({ offset: true }).nullable(),
    releaseReason: z.enum(["released", "timeout", "reassigned"]).nullable(),
  })
  .meta({ id: "SellerAssignment" });

const SellerParams = z.object({ sellerId: z.uuid("must be a UUID") });
const AssignmentParams = z.object({ assignmentId: z.uuid("must be a UUID") });

const NewSellerBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    phone: PhoneSchema,
    userId: z.uuid("must be a UUID").nullable().default(null),
    active: z.boolean().default(true),
    status: StatusSchema.default("offline"),
    specialty: SpecialtySchema.default(""),
    maxConcurrentCustomers: z.number().int().min(1).max(1000).default(5),
    supervisor: z.boolean().default(false),
  })
  .strip();

const SellerChangesBody = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    phone: PhoneSchema.optional(),
    userId: z.uuid("must be a UUID").nullable().optional(),
    active: z.boolean().optional(),
    status: StatusSchema.optional(),
    specialty: SpecialtySchema.optional(),
    maxConcurrentCustomers: z.number().int().min(1).max(1000).optional(),
    supervisor: z.boolean().optional(),
  })
  .strip()
  .refine((changes) => Object.keys(changes).length > 0, "name at least one field to change");

const ListQuery = PageQuery.extend({
  status: StatusSchema.optional(),
  active: BooleanQuery.optional(),
  specialty: SpecialtySchema.optional(),
  onDuty: BooleanQuery.optional(),
});

const AssignmentsQuery = PageQuery.extend({
  sellerId: z.uuid("must be a UUID").optional(),
  open: BooleanQuery.optional().meta({ description: "true: open assignments only; false: released ones only" }),
});

const AssignBody = z
  .object({
    customerId: z.uuid("must be a UUID").optional(),
    customerContact: ContactSchema.optional(),
    customerName: z.string().trim().max(200).optional(),
    sellerId: z.uuid("must be a UUID").optional().meta({ description: "The seller to give the customer to; absent: chosen as the bot does (round robin, least loaded)" }),
    specialty: SpecialtySchema.optional(),
    reason: z.string().trim().max(200).default(""),
  })
  .strip()
  .refine((body) => (body.customerId === undefined) !== (body.customerContact === undefined), "give customerId or customerContact, exactly one");

const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, "must be 1 to 200 visible ASCII characters")
    .optional(),
});

function sellerBody(seller: SellerView) {
  return {
    id: seller.id,
    userId: seller.userId,
    name: seller.name,
    phone: seller.phone,
    active: seller.active,
    status: seller.status,
    specialty: seller.specialty,
    maxConcurrentCustomers: seller.maxConcurrentCustomers,
    supervisor: seller.supervisor,
    currentLoad: seller.currentLoad,
    onDuty: seller.onDuty,
    createdAt: seller.createdAt.toISOString(),
    updatedAt: seller.updatedAt.toISOString(),
  };
}

function assignmentBody(assignment: AssignmentRecord) {
  return { ...assignment, assignedAt: assignment.assignedAt.toISOString(), releasedAt: assignment.releasedAt?.toISOString() ?? null };
}

export function sellersRoutes({ manage, assignments }: { manage: ManageSellers; assignments: Assignments }): Route[] {
  const tags = ["sellers"];
  return [
    userRoute({
      method: "get",
      path: "/sellers/assignments",
      operationId: "listSellerAssignments",
      summary: "Assignments of customers to sellers, newest first",
      tags,
      permission: "sellers:read",
      query: AssignmentsQuery,
      responses: { 200: { description: "A page of assignments", schema: pageSchema(AssignmentSchema) } },
      handle: async ({ actor, query }) => {
        const page = await assignments.listAssignments(actor, query);
        return { status: 200, body: { items: page.items.map(assignmentBody), nextCursor: page.nextCursor } };
      },
    }),
    userRoute({
      method: "post",
      path: "/sellers/assignments",
      operationId: "assignSeller",
      summary: "Give a customer a seller: the one named, or chosen as the bot does; a customer who already has that seller keeps the assignment",
      tags,
      permission: "sellers:write",
      headers: IdempotencyHeaders,
      body: AssignBody,
      responses: {
        201: { description: "Assigned", schema: z.object({ assignment: AssignmentSchema, existing: z.literal(false) }) },
        200: { description: "The customer's open assignment (or the one this idempotency key made)", schema: z.object({ assignment: AssignmentSchema, existing: z.literal(true) }) },
        404: { description: "CUSTOMER_NOT_FOUND, SELLER_NOT_FOUND" },
        412: { description: "NO_SELLER_AVAILABLE, SELLER_AT_CAPACITY, SELLER_INACTIVE" },
      },
      handle: async ({ actor, body, headers }) => {
        const result = await assignments.assign(actor, { ...body, idempotencyKey: headers["idempotency-key"] ?? null });
        return { status: result.existing ? 200 : 201, body: { assignment: assignmentBody(result.assignment), existing: result.existing } };
      },
    }),
    userRoute({
      method: "post",
      path: "/sellers/assignments/:assignmentId/release",
      operationId: "releaseSellerAssignment",
      summary: "End an assignment (a seller may end their own customers'); an ended one is answered unchanged",
      tags,
      permission: "sellers:self",
      params: AssignmentParams,
      responses: { 200: { description: "The assignment, released", schema: AssignmentSchema }, 404: { description: "ASSIGNMENT_NOT_FOUND" }, 403: { description: "NOT_YOUR_CUSTOMER" } },
      handle: async ({ actor, params }) => ({ status: 200, body: assignmentBody(await assignments.releaseAssignment(actor, params.assignmentId)) }),
    }),
    userRoute({
      method: "get",
      path: "/sellers",
      operationId: "listSellers",
      summary: "The shop's sellers, by name",
      tags,
      permission: "sellers:read",
      query: ListQuery,
      responses: { 200: { description: "A page of sellers", schema: pageSchema(SellerSchema) } },
      handle: async ({ actor, query }) => {
        const page = await manage.list(actor, query);
        return { status: 200, body: { items: page.items.map(sellerBody), nextCursor: page.nextCursor } };
      },
    }),
    userRoute({
      method: "post",
      path: "/sellers",
      operationId: "createSeller",
      summary: "Add a seller",
      tags,
      permission: "sellers:write",
      body: NewSellerBody,
      responses: { 201: { description: "Created", schema: SellerSchema }, 404: { description: "USER_NOT_FOUND" }, 409: { description: "SELLER_USER_TAKEN" } },
      handle: async ({ actor, body }) => ({ status: 201, body: sellerBody(await manage.create(actor, body)) }),
    }),
    userRoute({
      method: "get",
      path: "/sellers/:sellerId",
      operationId: "getSeller",
      summary: "One seller, with their current load",
      tags,
      permission: "sellers:read",
      params: SellerParams,
      responses: { 200: { description: "The seller", schema: SellerSchema }, 404: { description: "SELLER_NOT_FOUND" } },
      handle: async ({ actor, params }) => ({ status: 200, body: sellerBody(await manage.get(actor, params.sellerId)) }),
    }),
    userRoute({
      method: "patch",
      path: "/sellers/:sellerId",
      operationId: "updateSeller",
      summary: "Change a seller (a seller may change only their own status)",
      tags,
      permission: "sellers:self",
      params: SellerParams,
      body: SellerChangesBody,
      responses: { 200: { description: "The seller as changed", schema: SellerSchema }, 404: { description: "SELLER_NOT_FOUND, USER_NOT_FOUND" }, 409: { description: "SELLER_USER_TAKEN" } },
      handle: async ({ actor, params, body }) => ({ status: 200, body: sellerBody(await manage.update(actor, params.sellerId, body)) }),
    }),
    userRoute({
      method: "get",
      path: "/sellers/:sellerId/schedule",
      operationId: "getSellerSchedule",
      summary: "A seller's weekly schedule and days off",
      tags,
      permission: "sellers:read",
      params: SellerParams,
      responses: { 200: { description: "The schedule", schema: ScheduleSchema }, 404: { description: "SELLER_NOT_FOUND" } },
      handle: async ({ actor, params }) => ({ status: 200, body: await manage.getSchedule(actor, params.sellerId) }),
    }),
    userRoute({
      method: "put",
      path: "/sellers/:sellerId/schedule",
      operationId: "putSellerSchedule",
      summary: "Replace a seller's weekly schedule and days off",
      tags,
      permission: "sellers:write",
      params: SellerParams,
      body: ScheduleSchema,
      responses: { 200: { description: "The schedule as stored", schema: ScheduleSchema }, 404: { description: "SELLER_NOT_FOUND" } },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await manage.putSchedule(actor, params.sellerId, body) }),
    }),
  ];
}
