import { describe, expect, it } from "@jest/globals";
import { AppError } from "@fleet/service-kit";
import { assertTransition, canTransition, orderStatuses, type OrderStatus } from "./order-status.js";

/** The lifecycle as the shop describes it, written out pair by pair (independently of the table). */
const EXPECTED = new Set([
  "pending>confirmed",
  "confirmed>in_process",
  "in_process>packed",
  "packed>ready",
  "ready>on_the_way",
  "ready>delivered",
  "on_the_way>delivered",
  "pending>cancelled",
  "confirmed>cancelled",
  "in_process>cancelled",
  "packed>cancelled",
  "ready>cancelled",
  "on_the_way>cancelled",
]);

const pairs = orderStatuses.flatMap((from) => orderStatuses.map((to): [OrderStatus, OrderStatus] => [from, to]));

describe("order status transitions", () => {
  it.each(pairs)("%s → %s is allowed exactly when the lifecycle says so", (from, to) => {
    expect(canTransition(from, to)).toBe(EXPECTED.has(`${from}>${to}`));
  });

  it("refuses an invalid transition with 409 INVALID_TRANSITION listing the allowed next states", () => {
    let thrown: unknown;
    try {
      assertTransition("packed", "pending");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ kind: "conflict", code: "INVALID_TRANSITION", details: { from: "packed", to: "pending", allowed: ["ready", "cancelled"] } });
  });

  it("treats delivered and cancelled as final", () => {
    for (const to of orderStatuses) {
      expect(canTransition("delivered", to)).toBe(false);
      expect(canTransition("cancelled", to)).toBe(false);
    }
  });

  it("never allows staying in the same state", () => {
    for (const status of orderStatuses) expect(canTransition(status, status)).toBe(false);
  });
});
