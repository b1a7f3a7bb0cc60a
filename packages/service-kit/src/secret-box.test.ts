import { describe, expect, it } from "@jest/globals";
import { AppError } from "./errors.js";
import { createSecretBox } from "./secret-box.js";

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
    expect(errorOf(() => box.open(Buffer.concat([Buffer.from([2]), sealed.subarray(1)])))).toMatchObject({ code: "SECRETS_UNREADABLE" });
    expect(errorOf(() => box.open(Buffer.alloc(0)))).toMatchObject({ code: "SECRETS_UNREADABLE" });
  });
});
