// The stored password format: salted scrypt with its parameters, verified
// in constant time; anything unreadable verifies as false, never throws.
import { describe, expect, it } from "@jest/globals";
import { DUMMY_HASH, hashPassword, verifyDummyPassword, verifyPassword } from "../src/auth/password.js";

describe("password hashing", () => {
  it("stores scrypt$N$r$p$salt$hash with a fresh salt each time", async () => {
    const [a, b] = await Promise.all([hashPassword("correct horse battery staple"), hashPassword("correct horse battery staple")]);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
  });

  it("verifies the right password and rejects a wrong one", async () => {
    const stored = await hashPassword("correct horse battery staple");
    await expect(verifyPassword("correct horse battery staple", stored)).resolves.toBe(true);
    await expect(verifyPassword("correct horse battery stapler", stored)).resolves.toBe(false);
    await expect(verifyPassword("", stored)).resolves.toBe(false);
  });

  it("treats a canonically equivalent Unicode spelling as the same password", async () => {
    const stored = await hashPassword("contrase\u00f1a segura");
    await expect(verifyPassword("contrasen\u0303a segura", stored)).resolves.toBe(true);
  });

  it("rejects unreadable or absurd stored hashes instead of throwing", async () => {
    const stored = await hashPassword("pw");
    const [, , , , salt, hash] = stored.split("$");
    for (const bad of ["", "plaintext", `bcrypt$10$${salt}$${hash}`, `scrypt$1000$8$1$${salt}$${hash}`, `scrypt$${2 ** 30}$8$1$${salt}$${hash}`, `scrypt$32768$8$1$${salt}$`]) {
      await expect(verifyPassword("pw", bad)).resolves.toBe(false);
    }
  });

  it("keeps the dummy hash (for unknown emails) at the same cost as real hashes, and never lets it succeed", async () => {
    const costOf = (stored: string) => stored.split("$").slice(0, 4).join("$");
    expect(costOf(DUMMY_HASH)).toBe(costOf(await hashPassword("x")));
    await expect(verifyDummyPassword("anything")).resolves.toBe(false);
  });
});
