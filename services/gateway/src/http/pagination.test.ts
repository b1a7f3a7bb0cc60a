import { describe, expect, it } from "@jest/globals";
import { AppError } from "@fleet/service-kit";
import { decodeCursor, encodeCursor, pageOf } from "./pagination.js";

describe("cursor pagination", () => {
  it("round-trips a sort key and id", () => {
    expect(decodeCursor(encodeCursor(["Anillo", 1200, null, "b1c2"]), 4)).toEqual(["Anillo", 1200, null, "b1c2"]);
  });

  it("refuses a cursor that is not one of its own, or of another shape, with INVALID_CURSOR", () => {
    for (const bad of ["not-base64-json", encodeCursor(["a"]), Buffer.from('{"a":1}').toString("base64url")]) {
      expect(() => decodeCursor(bad, 2)).toThrow(AppError);
      try {
        decodeCursor(bad, 2);
      } catch (error) {
        expect(error).toMatchObject({ code: "INVALID_CURSOR", kind: "invalid_argument" });
      }
    }
  });

  it("knows the last page from the extra row", () => {
    const rows = [{ id: "a" }, { id: "b" }, { id: "c" }];
    expect(pageOf(rows, 2, (r) => [r.id])).toEqual({ items: [{ id: "a" }, { id: "b" }], nextCursor: encodeCursor(["b"]) });
    expect(pageOf(rows, 3, (r) => [r.id])).toEqual({ items: rows, nextCursor: null });
  });
});
