import { describe, it, expect } from "@jest/globals";
import { AppError, httpStatusOf, toAppError, type ErrorKind } from "./errors.js";

describe("AppError", () => {
  it("carries a kind, a stable code, a message, details and a cause", () => {
    const cause = new Error("duplicate key value violates unique constraint");
    const error = new AppError("conflict", "BOT_ALREADY_EXISTS", "A bot with this phone number exists", { details: { phone: "+5511" }, cause });

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "AppError", kind: "conflict", code: "BOT_ALREADY_EXISTS", message: "A bot with this phone number exists", details: { phone: "+5511" } });
    expect(error.cause).toBe(cause);
  });

  it.each<[ErrorKind, boolean]>([
    ["unavailable", true],
    ["rate_limited", true],
    ["deadline_exceeded", true],
    ["invalid_argument", false],
    ["not_found", false],
    ["internal", false],
  ])("marks %s as retryable: %s", (kind, retryable) => {
    expect(new AppError(kind, "X", "x").retryable).toBe(retryable);
  });
});

describe("httpStatusOf", () => {
  it.each<[ErrorKind, number]>([
    ["invalid_argument", 400],
    ["unauthenticated", 401],
    ["permission_denied", 403],
    ["not_found", 404],
    ["conflict", 409],
    ["failed_precondition", 412],
    ["rate_limited", 429],
    ["internal", 500],
    ["unimplemented", 501],
    ["unavailable", 503],
    ["deadline_exceeded", 504],
  ])("maps %s to %i", (kind, status) => {
    expect(httpStatusOf(kind)).toBe(status);
  });
});

describe("toAppError", () => {
  it("returns an AppError unchanged", () => {
    const error = new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
    expect(toAppError(error)).toBe(error);
  });

  it.each([new Error("relation \"gateway.tenants\" does not exist"), "a thrown string", { status: 500 }, undefined])(
    "turns %p into INTERNAL with a generic message and keeps the original as cause",
    (thrown) => {
      const error = toAppError(thrown);
      expect(error).toMatchObject({ kind: "internal", code: "INTERNAL", message: "Internal error" });
      expect(error.cause).toBe(thrown);
    },
  );

  it("turns a dependency's failed connection (ioredis giving up while reconnecting, a refused or reset socket) into a retryable DEPENDENCY_UNAVAILABLE", () => {
    const gaveUp = Object.assign(new Error("Reached the max retries per request limit (which is 3)."), { name: "MaxRetriesPerRequestError" });
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });
    for (const thrown of [gaveUp, new Error("Connection is closed."), refused]) {
      const error = toAppError(thrown);
      expect(error).toMatchObject({ kind: "unavailable", code: "DEPENDENCY_UNAVAILABLE", retryable: true });
      expect(error.cause).toBe(thrown);
    }
    // Other errors that carry a code are still ours to look at.
    expect(toAppError(Object.assign(new Error("duplicate key"), { code: "23505" }))).toMatchObject({ kind: "internal" });
  });
});
