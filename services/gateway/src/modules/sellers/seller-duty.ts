// Who is on duty and who gets the next customer.
//
// On duty: active, status online, not on a day off and inside the weekly schedule (a seller
// without a schedule is inside it whenever online), read in the shop's time zone.
//
// Choosing a seller for a customer (the caller holds the tenant's assignment lock):
// 1. Round robin among the available sellers: on duty, under capacity (open assignments <
//    max concurrent customers) and, when a specialty is asked, of that specialty (case and
//    accents ignored); supervisors only when no other seller is available (they are where
//    unattended customers escalate). Sellers are ordered by creation; the tenant's rotation pointer names the
//    seller who got the last automatic assignment, and the next one is the first available
//    seller after it in that order, wrapping around.
// 2. Least-loaded fallback when nobody is available: every active seller under capacity (of the
//    specialty, when asked), whatever their status and schedule, fewest open assignments first,
//    ties broken by the same rotation order. The customer still gets a person who can answer
//    later rather than nobody.
// 3. Nobody: every active seller of the specialty is at capacity (or there is none), and the
//    caller answers NO_SELLER_AVAILABLE.
import { isWithin, wallClock } from "../settings/weekly-hours.js";
import type { AssignmentStrategy, SellerRecord } from "./sellers.repository.js";

type DutyFields = Pick<SellerRecord, "active" | "status" | "schedule" | "daysOff">;

export function inSchedule(seller: Pick<SellerRecord, "schedule" | "daysOff">, at: Date, timeZone: string): boolean {
  const wall = wallClock(at, timeZone);
  if (seller.daysOff.includes(wall.date)) return false;
  return seller.schedule === null || isWithin(seller.schedule, wall);
}

export function onDuty(seller: DutyFields, at: Date, timeZone: string): boolean {
  return seller.active && seller.status === "online" && inSchedule(seller, at, timeZone);
}

export function normalizeSpecialty(value: string): string {
  return value.normalize("NFD").replace(/\p{Diacritic}/gu, "").trim().toLowerCase();
}

export function hasSpecialty(seller: Pick<SellerRecord, "specialty">, specialty: string): boolean {
  const wanted = normalizeSpecialty(specialty);
  return wanted === "" || normalizeSpecialty(seller.specialty) === wanted;
}

export interface Choice {
  seller: SellerRecord;
  strategy: Exclude<AssignmentStrategy, "manual">;
}

/** The seller for a new assignment (see the header), or null when nobody can take one. */
export function chooseSeller(sellers: readonly SellerRecord[], lastSellerId: string | null, { specialty, at, timeZone }: { specialty: string; at: Date; timeZone: string }): Choice | null {
  // Rotation order starting right after the pointer (the whole list when the pointer is unknown).
  const pointer = sellers.findIndex((seller) => seller.id === lastSellerId);
  const rotation = [...sellers.slice(pointer + 1), ...sellers.slice(0, pointer + 1)];
  const eligible = rotation.filter((seller) => seller.active && seller.currentLoad < seller.maxConcurrentCustomers && hasSpecialty(seller, specialty));
  // Supervisors are where unattended customers escalate: they take customers in turn only when no other seller is on duty.
  const available = eligible.find((seller) => !seller.supervisor && onDuty(seller, at, timeZone)) ?? eligible.find((seller) => onDuty(seller, at, timeZone));
  if (available) return { seller: available, strategy: "round_robin" };
  // A stable sort keeps the rotation order among equally loaded sellers.
  const leastLoaded = [...eligible].sort((a, b) => a.currentLoad - b.currentLoad)[0];
  return leastLoaded ? { seller: leastLoaded, strategy: "least_loaded" } : null;
}
