// The refresh-token cookie and the session body, through a tiny express app
// so the headers are the ones a browser would receive and send.
import { describe, expect, it } from "@jest/globals";
import { parseSetCookie } from "cookie";
import request from "supertest";
import {
  clearedRefreshCookie,
  presentedRefreshToken,
  readRefreshCookie,
  REFRESH_COOKIE_NAME,
  refreshCookie,
  sessionBody,
} from "../src/modules/accounts/refresh-cookie.js";
import { tinyApp } from "./tiny-app.harness.js";

const TOKEN = "Qw3rTy_-Qw3rTy_-Qw3rTy_-Qw3rTy_-Qw3rTy_-Qw3";
const now = new Date("2030-01-01T00:00:00Z");
const in30Days = new Date(now.getTime() + 30 * 24 * 3600 * 1000);

const { app } = tinyApp((app) => {
  app.post("/api/auth/refresh", (req, res) => {
    res.setHeader("set-cookie", refreshCookie(TOKEN, in30Days, now));
    res.json({ presented: readRefreshCookie(req.header("cookie")) });
  });
  app.post("/api/auth/logout", (_req, res) => {
    res.setHeader("set-cookie", clearedRefreshCookie());
    res.status(204).end();
  });
});

describe("refresh-token cookie", () => {
  it("is httpOnly, Secure, SameSite=Strict, limited to /api/auth and kept until the token expires", async () => {
    const response = await request(app).post("/api/auth/refresh");
    const header = response.headers["set-cookie"];
    expect(header).toHaveLength(1);
    const cookie = parseSetCookie(String(header?.[0]));
    expect(cookie).toMatchObject({ name: REFRESH_COOKIE_NAME, value: TOKEN, httpOnly: true, secure: true, sameSite: "strict", path: "/api/auth", maxAge: 30 * 24 * 3600 });
    // __Secure- makes browsers refuse the cookie unless it is Secure and set over HTTPS.
    expect(REFRESH_COOKIE_NAME.startsWith("__Secure-")).toBe(true);
  });

  it("is cleared on the same path with Max-Age=0", async () => {
    const response = await request(app).post("/api/auth/logout");
    const cookie = parseSetCookie(String(response.headers["set-cookie"]?.[0]));
    expect(cookie).toMatchObject({ name: REFRESH_COOKIE_NAME, value: "", maxAge: 0, path: "/api/auth", httpOnly: true, secure: true });
  });

  it("is read back from the Cookie header among other cookies", async () => {
    const response = await request(app).post("/api/auth/refresh").set("cookie", `theme=dark; ${REFRESH_COOKIE_NAME}=${TOKEN}; lang=es`);
    expect(response.body).toEqual({ presented: TOKEN });
  });

  it("reads as absent when missing or not shaped like a refresh token", () => {
    expect(readRefreshCookie(undefined)).toBeNull();
    expect(readRefreshCookie("theme=dark")).toBeNull();
    expect(readRefreshCookie(`${REFRESH_COOKIE_NAME}=short`)).toBeNull();
    expect(readRefreshCookie(`${REFRESH_COOKIE_NAME}=${TOKEN}%00`)).toBeNull();
  });

  it("never has a negative Max-Age for a token already expired", () => {
    expect(parseSetCookie(refreshCookie(TOKEN, new Date(now.getTime() - 5000), now)).maxAge).toBe(0);
  });
});

describe("presentedRefreshToken", () => {
  it("takes the body's token (non-browser clients) over the cookie's, and the cookie's when the body has none", () => {
    const other = "A".repeat(43);
    expect(presentedRefreshToken(`${REFRESH_COOKIE_NAME}=${TOKEN}`, other)).toBe(other);
    expect(presentedRefreshToken(`${REFRESH_COOKIE_NAME}=${TOKEN}`, undefined)).toBe(TOKEN);
    expect(presentedRefreshToken(undefined, undefined)).toBeNull();
  });
});

describe("sessionBody", () => {
  const session = { accessToken: "access", expiresIn: 900, refreshToken: TOKEN, refreshExpiresAt: in30Days };

  it("includes the refresh token only when REFRESH_TOKEN_IN_BODY is on", () => {
    expect(sessionBody(session, { refreshTokenInBody: true })).toEqual({ accessToken: "access", expiresIn: 900, refreshToken: TOKEN, refreshExpiresAt: in30Days.toISOString() });
    const browserOnly = sessionBody(session, { refreshTokenInBody: false });
    expect(browserOnly).toEqual({ accessToken: "access", expiresIn: 900, refreshExpiresAt: in30Days.toISOString() });
    expect(JSON.stringify(browserOnly)).not.toContain(TOKEN);
  });
});
