import { describe, expect, it } from "@jest/globals";
import { createTokens } from "../src/auth/tokens.js";
import { createVerifiedTokensCache } from "../src/auth/verified-tokens.cache.js";

const secret = "x".repeat(40);
const claims = { userId: "2c9a4b1e-5d6f-4a3b-8c7d-9e0f1a2b3c4d", tenantId: "7d0f6a8e-2f4b-4d5a-9a51-0c2a8f6b1e11", role: "agent" as const };

describe("verified access tokens cache", () => {
  it("verifies a token once and answers the same claims after, without verifying again", async () => {
    const tokens = createTokens({ secret, ttlSeconds: 900 });
    let verifications = 0;
    const cache = createVerifiedTokensCache({ verifyAccessToken: (token) => (verifications++, tokens.verifyAccessToken(token)) });
    const { token } = await tokens.issueAccessToken(claims);
    await cache.verifyAccessToken(token);
    expect(await cache.verifyAccessToken(token)).toMatchObject(claims);
    expect(verifications).toBe(1);
  });

  it("never trusts a token that differs, even only in its signature", async () => {
    const tokens = createTokens({ secret, ttlSeconds: 900 });
    const cache = createVerifiedTokensCache(tokens);
    const { token } = await tokens.issueAccessToken(claims);
    await cache.verifyAccessToken(token);
    // A character inside the signature: the last one of its base64url also holds two padding bits,
    // and changing only those would decode to the same signature.
    const at = token.lastIndexOf(".") + 10;
    const forged = `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
    await expect(cache.verifyAccessToken(forged)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("never remembers a token past its expiry: one in the verifier's clock tolerance is verified every time", async () => {
    const tokens = createTokens({ secret, ttlSeconds: 1 });
    let verifications = 0;
    const cache = createVerifiedTokensCache({ verifyAccessToken: (token) => (verifications++, tokens.verifyAccessToken(token)) });
    const { token } = await tokens.issueAccessToken(claims);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await cache.verifyAccessToken(token);
    await cache.verifyAccessToken(token);
    expect(verifications).toBe(2);
  });
});
