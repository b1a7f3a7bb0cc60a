import { describe, expect, it } from "@jest/globals";
import { AppError } from "./errors.js";
import { createSecretBox, parsePreviousKeys } from "./secret-box.js";

const KEY = "adapter-vector-key-material-0123456789abcdef";
const ADAPTER = { salt: "fleet.adapter", info: "provider-secrets-v1" };
// Sealed by the adapter's own box before it moved here (same key, salt and info): provider
// credentials already in databases must keep opening.
const SEALED_BY_ADAPTER = "ASkVnPLBV2IsHpzoSKTj3Ry3Cy/1MctylQ3J1u7BpPm1lyaqO4kUAqY1N4VD9t7trXF0z9bK6NRxQqW9Ra9qXg==";

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, but nothing was thrown");
}

describe("createSecretBox", () => {
  it("opens what the adapter sealed before the box moved to the kit", () => {
    const box = createSecretBox({ keyMaterial: KEY, ...ADAPTER });
    expect(box.open(Buffer.from(SEALED_BY_ADAPTER, "base64"))).toEqual({ access_token: "EAAGvector-token" });
  });

  it("round-trips secrets, and the sealed bytes do not contain them", () => {
    const box = createSecretBox({ keyMaterial: KEY, ...ADAPTER });
    const sealed = box.seal({ api_key: "k-very-secret-value" });
    expect(sealed.includes(Buffer.from("k-very-secret-value"))).toBe(false);
    expect(box.open(sealed)).toEqual({ api_key: "k-very-secret-value" });
  });

  it("derives a different key per use: a box with another salt or info cannot open it", () => {
    const sealed = createSecretBox({ keyMaterial: KEY, ...ADAPTER }).seal({ token: "t" });
    for (const other of [
      { salt: "fleet.orchestrator", info: ADAPTER.info },
      { salt: ADAPTER.salt, info: "tenant-http-secrets-v1" },
    ]) {
      expect(errorOf(() => createSecretBox({ keyMaterial: KEY, ...other }).open(sealed))).toMatchObject({ code: "SECRETS_UNREADABLE" });
    }
  });

  it("refuses another key material with SECRETS_UNREADABLE", () => {
    const sealed = createSecretBox({ keyMaterial: KEY, ...ADAPTER }).seal({ token: "t" });
    const error = errorOf(() => createSecretBox({ keyMaterial: `${KEY}-rotated`, ...ADAPTER }).open(sealed));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "SECRETS_UNREADABLE" });
  });

  it("opens a value sealed with a context only with that same context", () => {
    const box = createSecretBox({ keyMaterial: KEY, ...ADAPTER });
    const sealed = box.seal({ value: "v" }, "tenant-a/CRM_TOKEN");
    expect(box.open(sealed, "tenant-a/CRM_TOKEN")).toEqual({ value: "v" });
    expect(errorOf(() => box.open(sealed, "tenant-b/CRM_TOKEN"))).toMatchObject({ code: "SECRETS_UNREADABLE" });
    expect(errorOf(() => box.open(sealed))).toMatchObject({ code: "SECRETS_UNREADABLE" });
  });

  it("refuses truncated bytes and an unknown version without throwing anything but SECRETS_UNREADABLE", () => {
    const box = createSecretBox({ keyMaterial: KEY, ...ADAPTER });
    const sealed = box.seal({ token: "t" });
    expect(errorOf(() => box.open(sealed.subarray(0, 10)))).toMatchObject({ code: "SECRETS_UNREADABLE" });
    expect(errorOf(() => box.open(Buffer.concat([Buffer.from([9]), sealed.subarray(1)])))).toMatchObject({ code: "SECRETS_UNREADABLE" });
    expect(errorOf(() => box.open(Buffer.from([2, 200, 1, 2])))).toMatchObject({ code: "SECRETS_UNREADABLE" });
    expect(errorOf(() => box.open(Buffer.alloc(0)))).toMatchObject({ code: "SECRETS_UNREADABLE" });
  });

  describe("key rotation", () => {
    const OLD = { id: "2025", material: KEY };
    const NEW_MATERIAL = "rotated-key-material-fedcba9876543210-0000";

    it("seals with the current key, names it in the value, and still opens what a previous key sealed", () => {
      const before = createSecretBox({ keyMaterial: OLD.material, keyId: OLD.id, ...ADAPTER });
      const old = before.seal({ token: "old" }, "bot-1/meta");
      const after = createSecretBox({ keyMaterial: NEW_MATERIAL, keyId: "2026", previousKeys: [OLD], ...ADAPTER });
      expect(after.open(old, "bot-1/meta")).toEqual({ token: "old" });
      expect(after.isCurrent(old)).toBe(false);
      const resealed = after.seal(after.open(old, "bot-1/meta"), "bot-1/meta");
      expect(after.isCurrent(resealed)).toBe(true);
      expect(resealed.subarray(2, 6).toString("ascii")).toBe("2026");
      // Once the old key is dropped from the ring, only what was re-sealed opens.
      const later = createSecretBox({ keyMaterial: NEW_MATERIAL, keyId: "2026", ...ADAPTER });
      expect(later.open(resealed, "bot-1/meta")).toEqual({ token: "old" });
      expect(errorOf(() => later.open(old, "bot-1/meta"))).toMatchObject({ code: "SECRETS_UNREADABLE", message: expect.stringContaining('key "2025"') });
    });

    it("opens values sealed before keys had ids with whichever configured key sealed them, and calls them not current", () => {
      const rotated = createSecretBox({ keyMaterial: NEW_MATERIAL, keyId: "2026", previousKeys: [OLD], ...ADAPTER });
      const legacy = Buffer.from(SEALED_BY_ADAPTER, "base64");
      expect(rotated.open(legacy)).toEqual({ access_token: "EAAGvector-token" });
      expect(rotated.isCurrent(legacy)).toBe(false);
      expect(errorOf(() => createSecretBox({ keyMaterial: NEW_MATERIAL, keyId: "2026", ...ADAPTER }).open(legacy))).toMatchObject({ code: "SECRETS_UNREADABLE" });
    });

    it("parses SECRETS_ENCRYPTION_PREVIOUS_KEYS and names a bad entry by position, never its material", () => {
      expect(parsePreviousKeys("")).toEqual([]);
      expect(parsePreviousKeys(` 2025:${KEY} , 2024:${NEW_MATERIAL}`)).toEqual([OLD, { id: "2024", material: NEW_MATERIAL }]);
      expect(() => parsePreviousKeys(`2025:${KEY},bad id:${KEY}`)).toThrow(/previous key 2: the id/);
      let message = "";
      try {
        parsePreviousKeys("2025:short-secret-material");
      } catch (error) {
        message = error instanceof Error ? error.message : "";
      }
      expect(message).toMatch(/previous key 1 \(2025\): the material must be at least 32/);
      expect(message).not.toContain("short-secret-material");
      expect(() => createSecretBox({ keyMaterial: KEY, keyId: "has space", ...ADAPTER })).toThrow(/key id/);
    });
  });
});
