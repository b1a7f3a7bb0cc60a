// Assigning customers to sellers and releasing them. Every decision runs in one transaction under
// the tenant's assignment lock, so concurrent calls never put a seller over capacity, never give
// a customer two open assignments and never skip or repeat a turn of the rotation (see
// seller-duty.ts for who is chosen). A customer keeps their seller: asking again returns the
// open assignment (existing). Events are emitted after the commit. A customer named by WhatsApp
// id is created (or refreshed) by the customers module's upsert before the transaction: the one
// way a contact becomes a customer, and a customer left without an assignment is harmless.
//
// Who may: a manager (sellers:write) assigns and releases anyone; a seller (sellers:self)
// releases the customers assigned to themselves; the orchestrator (a service actor, which holds
// sellers:self for this) assigns and releases for the conversation it runs.
import { AppError } from "@fleet/service-kit";
import { authorize, can, isServiceActor, type Actor, type Caller } from "../../auth/permissions.js";
import { decodeCursor, pageOf, type Page } from "../../http/pagination.js";
import type { CustomerRecord } from "../customers/customers.repository.js";
import type { UpsertCustomer } from "../customers/upsert-customer.use-case.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import { chooseSeller } from "./seller-duty.js";
import type { SellerEvents } from "./seller-events.js";
import type { AssignmentRecord, SellerRecord, SellersRepository, TenantSellers } from "./sellers.repository.js";

export interface AssignInput {
  /** The customer by WhatsApp id (created on first sight) … */
  customerContact?: string;
  /** … or by id (dashboard). */
  customerId?: string;
  customerName?: string;
  /** Only sellers of this specialty ("" any). */
  specialty?: string;
  reason?: string;
  idempotencyKey?: string | null;
  /** A manager's choice of seller (reassigns the customer if they had another one). */
  sellerId?: string;
}

export interface AssignResult {
  assignment: AssignmentRecord;
  seller: SellerRecord;
  existing: boolean;
  /** The customer a `customerContact` named, as this call upserted it. */
  contact?: { customer: CustomerRecord; created: boolean };
}

/** `customerCreated`: the customer this call upserted is new (they are kept without a seller). */
export const noSellerAvailable = (customerCreated?: boolean) =>
  new AppError("failed_precondition", "NO_SELLER_AVAILABLE", "No seller can take this customer now", customerCreated === undefined ? undefined : { details: { customerCreated } });
const assignmentNotFound = () => new AppError("not_found", "ASSIGNMENT_NOT_FOUND", "Assignment not found");
const sellerNotFound = () => new AppError("not_found", "SELLER_NOT_FOUND", "Seller not found");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function authorizeAssignment(caller: Caller): void {
  authorize(caller, isServiceActor(caller) ? "sellers:self" : "sellers:write");
}

export interface AssignmentsDeps {
  sellers: SellersRepository;
  settings: Pick<SettingsUseCases, "readSettings">;
  events: SellerEvents;
  /** The customers module's upsert of a WhatsApp contact. */
  upsertCustomer: UpsertCustomer;
  now: () => Date;
}

export function createAssignments({ sellers, settings, events, upsertCustomer, now }: AssignmentsDeps) {
  /** The customer named by id, or the one the contact's upsert gave (`contactCustomerId`). */
  async function customerIdFor(repo: TenantSellers, input: AssignInput, contactCustomerId: string | null): Promise<string> {
    if (contactCustomerId !== null) return contactCustomerId;
    const customer = input.customerId === undefined ? null : await repo.findCustomer(input.customerId);
    if (!customer) throw new AppError("not_found", "CUSTOMER_NOT_FOUND", "Customer not found");
    return customer.id;
  }

  async function sellerOf(repo: TenantSellers, assignment: AssignmentRecord): Promise<SellerRecord> {
    const seller = await repo.find(assignment.sellerId);
    if (!seller) throw sellerNotFound();
    return seller;
  }

  /**
   * A seller read under the tenant's assignment lock, once this call gave them one more open
   * assignment: their load is that count, and nothing else of theirs changed (no second read).
   */
  function withNewCustomer(seller: SellerRecord): SellerRecord {
    return { ...seller, currentLoad: seller.currentLoad + 1 };
  }

  /** The assignment this call would answer unchanged: the key's earlier one, else the customer's open one; null when it must decide. */
  async function existingAssignment(repo: TenantSellers, key: string | null, customerId: string): Promise<{ assignment: AssignmentRecord; seller: SellerRecord } | null> {
    const assignment = await repo.keyedOrOpenAssignment(key, customerId);
    return assignment ? { assignment, seller: await sellerOf(repo, assignment) } : null;
  }

  async function assign(caller: Caller, input: AssignInput): Promise<AssignResult> {
    authorizeAssignment(caller);
    const { tenantId } = caller;
    const { timeZone } = await settings.readSettings(tenantId);
    const contact = input.customerContact === undefined ? undefined : await upsertCustomer(caller, { whatsappId: input.customerContact, name: input.customerName ?? "" });
    const contactCustomerId = contact?.customer.id ?? null;
    const at = now();
    const key = input.idempotencyKey ?? null;
    // The common call — a returning contact who keeps their seller, or a replayed key — changes
    // nothing: answered from reads, without the tenant's assignment lock (which orders changes only).
    // (A customer this call created has no assignment yet: straight to the decision.)
    const unchanged = input.sellerId === undefined && contact && !contact.created ? await existingAssignment(sellers.forTenant(tenantId), key, contact.customer.id) : null;
    if (unchanged) return { ...unchanged, existing: true, ...(contact ? { contact } : {}) };
    const outcome = await sellers.transaction(tenantId, async (repo) => {
      await repo.lockAssignments();
      // An automatic assignment for a contact (the orchestrator's call): the key's earlier assignment
      // or the customer's open one, in one read. Otherwise the key first, then the customer (by id).
      const forContact = input.sellerId === undefined && contactCustomerId !== null;
      if (forContact) {
        const found = await existingAssignment(repo, key, contactCustomerId);
        if (found) return { ...found, existing: true, released: null };
      } else {
        const prior = key === null ? null : await repo.assignmentByKey(key);
        if (prior) return { assignment: prior, seller: await sellerOf(repo, prior), existing: true, released: null };
      }
      const customerId = await customerIdFor(repo, input, contactCustomerId);
      const open = forContact ? null : await repo.openAssignmentOf(customerId);
      const base = { customerId, reason: input.reason ?? "", idempotencyKey: key, at };

      if (input.sellerId !== undefined) {
        const chosen = await repo.find(input.sellerId);
        if (!chosen) throw sellerNotFound();
        if (open?.sellerId === chosen.id) return { assignment: open, seller: chosen, existing: true, released: null };
        if (!chosen.active) throw new AppError("failed_precondition", "SELLER_INACTIVE", "This seller is not active");
        if (chosen.currentLoad >= chosen.maxConcurrentCustomers) throw new AppError("failed_precondition", "SELLER_AT_CAPACITY", "This seller already has as many customers as they can take");
        const released = open ? await repo.release(open.id, "reassigned", at) : null;
        const assignment = await repo.insertAssignment({ ...base, sellerId: chosen.id, strategy: "manual" });
        return { assignment, seller: withNewCustomer(chosen), existing: false, released };
      }

      if (open) return { assignment: open, seller: await sellerOf(repo, open), existing: true, released: null };
      const rotation = await repo.rotation();
      const choice = chooseSeller(rotation.sellers, rotation.lastSellerId, { specialty: input.specialty ?? "", at, timeZone });
      if (!choice) throw noSellerAvailable(contact?.created);
      const assignment = await repo.insertAssignment({ ...base, sellerId: choice.seller.id, strategy: choice.strategy, advanceRotation: true });
      return { assignment, seller: withNewCustomer(choice.seller), existing: false, released: null };
    });
    if (outcome.released) await events.released(tenantId, outcome.released);
    if (!outcome.existing) await events.assigned(tenantId, outcome.assignment);
    return { assignment: outcome.assignment, seller: outcome.seller, existing: outcome.existing, ...(contact ? { contact } : {}) };
  }

  /** A dashboard user releases one assignment; releasing a released one answers it unchanged. */
  async function releaseAssignment(actor: Actor, assignmentId: string): Promise<AssignmentRecord> {
    const manager = can(actor.role, "sellers:write");
    if (!manager) authorize(actor, "sellers:self");
    const repo = sellers.forTenant(actor.tenantId);
    const assignment = await repo.findAssignment(assignmentId);
    if (!assignment) throw assignmentNotFound();
    if (!manager) {
      const own = await repo.findByUser(actor.userId);
      if (own?.id !== assignment.sellerId) throw new AppError("permission_denied", "NOT_YOUR_CUSTOMER", "Only the customer's seller or a manager can release this assignment");
    }
    if (assignment.releasedAt !== null) return assignment;
    const released = await repo.release(assignment.id, "released", now());
    if (!released) return (await repo.findAssignment(assignment.id)) ?? assignment;
    await events.released(actor.tenantId, released);
    return released;
  }

  /** The conversation releases its customer (of `sellerId` only, when given); false when there was nothing to release. */
  async function releaseCustomer(caller: Caller, customerContact: string, sellerId?: string): Promise<boolean> {
    authorizeAssignment(caller);
    const repo = sellers.forTenant(caller.tenantId);
    if (!(await repo.tenantExists())) throw new AppError("not_found", "TENANT_NOT_FOUND", "Tenant not found");
    const customer = await repo.findCustomerByContact(customerContact);
    const open = customer ? await repo.openAssignmentOf(customer.id) : null;
    if (!open || (sellerId !== undefined && open.sellerId !== sellerId)) return false;
    const released = await repo.release(open.id, "released", now());
    if (!released) return false;
    await events.released(caller.tenantId, released);
    return true;
  }

  async function listAssignments(actor: Actor, query: { sellerId?: string; open?: boolean; limit: number; cursor?: string }): Promise<Page<AssignmentRecord>> {
    authorize(actor, "sellers:read");
    let before: { assignedAt: Date; id: string } | undefined;
    if (query.cursor !== undefined) {
      const [assignedAt, id] = decodeCursor(query.cursor, 2);
      const at = typeof assignedAt === "string" ? new Date(assignedAt) : null;
      if (!at || Number.isNaN(at.getTime()) || typeof id !== "string" || !UUID.test(id)) throw new AppError("invalid_argument", "INVALID_CURSOR", "The cursor is not one this list gave");
      before = { assignedAt: at, id };
    }
    const rows = await sellers.forTenant(actor.tenantId).listAssignments({ sellerId: query.sellerId, open: query.open, before, limit: query.limit + 1 });
    return pageOf(rows, query.limit, (row) => [row.assignedAt.toISOString(), row.id]);
  }

  return { assign, releaseAssignment, releaseCustomer, listAssignments };
}

export type Assignments = ReturnType<typeof createAssignments>;
