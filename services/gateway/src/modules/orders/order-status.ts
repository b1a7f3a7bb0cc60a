// The order lifecycle as one transition table: pending → confirmed → in process → packed → ready →
// on the way → delivered, or cancelled from any state before delivery. A pickup order goes from
// ready straight to delivered. Delivered and cancelled are final.
import { AppError } from "@fleet/service-kit";

export const orderStatuses = ["pending", "confirmed", "in_process", "packed", "ready", "on_the_way", "delivered", "cancelled"] as const;

export type OrderStatus = (typeof orderStatuses)[number];

export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ["confirmed", "cancelled"],
  confirmed: ["in_process", "cancelled"],
  in_process: ["packed", "cancelled"],
  packed: ["ready", "cancelled"],
  ready: ["on_the_way", "delivered", "cancelled"],
  on_the_way: ["delivered", "cancelled"],
  delivered: [],
  cancelled: [],
};

export function allowedTransitions(from: OrderStatus): readonly OrderStatus[] {
  return TRANSITIONS[from];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws 409 INVALID_TRANSITION naming the states the order may move to from where it is. */
export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (canTransition(from, to)) return;
  throw new AppError("conflict", "INVALID_TRANSITION", `An order that is ${from} cannot become ${to}`, { details: { from, to, allowed: [...TRANSITIONS[from]] } });
}
