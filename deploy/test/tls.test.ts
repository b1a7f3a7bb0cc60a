// HTTPS at the edge, with a self-signed certificate made here: a real nginx serves /api over
// TLS 1.2+ and HTTP/2 with HSTS and the security headers, redirects plain HTTP to HTTPS except the
// ACME challenge and the provider webhooks, and without a certificate stays the plain-HTTP demo.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { connect as http2Connect } from "node:http2";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { freePort, rawRequest, record, run } from "./support.js";
import { RENDER, makePrefix, startNginx, type RunningNginx, type StubUpstream, startStubUpstream } from "./nginx-harness.js";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A self-signed certificate for localhost and 127.0.0.1 (RSA, so the cipher checks below mean something). */
async function makeCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, "fullchain.pem");
  const key = join(dir, "privkey.pem");
  await run("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  return { cert, key };
}

describe("nginx with a certificate (real nginx, self-signed certificate, stub upstreams)", () => {
  let gateway: StubUpstream;
  let adapter: StubUpstream;
  let nginx: RunningNginx;
  let prefix: string;
  let secrets: string;
  let ca: Buffer;
  let httpPort: number;
  let httpsPort: number;

  const https = (path: string, options: ConnectionOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest({ host: "127.0.0.1", port: httpsPort, path, ca, servername: "localhost", agent: false, ...options }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.once("error", reject);
      req.end();
    });

  /** Completes a TLS handshake with `options` and reports what was negotiated. */
  const handshake = (options: ConnectionOptions): Promise<{ protocol: string | null; alpn: string | false | null; cipher: string }> =>
    new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: "127.0.0.1", port: httpsPort, ca, servername: "localhost", ...options }, () => {
        const result = { protocol: socket.getProtocol(), alpn: socket.alpnProtocol, cipher: socket.getCipher().standardName };
        socket.end();
        resolve(result);
      });
      socket.once("error", reject);
    });

  beforeAll(async () => {
    gateway = await startStubUpstream("gateway");
    adapter = await startStubUpstream("adapter");
    [httpPort, httpsPort] = [await freePort(), await freePort()];
    prefix = makePrefix("tls");
    // The key stays private (mode 0600 in a 0700 directory, like /etc/letsencrypt/live): the nginx
    // master reads it before dropping privileges.
    secrets = mkdtempSync(join(tmpdir(), "fleet-tls-secrets-"));
    chmodSync(secrets, 0o700);
    const { cert, key } = await makeCertificate(secrets);
    chmodSync(key, 0o600);
    ca = readFileSync(cert);
    // The ACME webroot is read by the workers: world-readable, outside any private checkout.
    const acme = join(prefix, "acme");
    mkdirSync(join(acme, ".well-known/acme-challenge"), { recursive: true });
    writeFileSync(join(acme, ".well-known/acme-challenge/token-123"), "token-123.thumbprint");
    chmodSync(join(acme, ".well-known/acme-challenge/token-123"), 0o644);
    await run("bash", [
      RENDER, "--out", join(prefix, "nginx.conf"), "--listen", `127.0.0.1:${httpPort}`,
      "--gateway", `127.0.0.1:${gateway.port}`, "--adapter", `127.0.0.1:${adapter.port}`, "--copy-static",
      "--tls-listen", `127.0.0.1:${httpsPort}`, "--tls-cert", cert, "--tls-key", key, "--acme-root", acme,
    ]);
    nginx = await startNginx(prefix, join(prefix, "nginx.conf"), httpPort);
  });

  afterAll(async () => {
    await nginx?.stop();
    await gateway?.close();
    await adapter?.close();
    for (const dir of [prefix, secrets]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("proxies /api over HTTPS to the gateway, telling it the client used https", async () => {
    const reply = await https("/api/orders?page=2");
    expect(reply.status).toBe(200);
    expect(record(JSON.parse(reply.body), "body")).toEqual({ version: "gateway", url: "/api/orders?page=2" });
    expect(gateway.seen.at(-1)?.headers["x-forwarded-proto"]).toBe("https");
  });

  it("sends HSTS and the security headers over HTTPS", async () => {
    for (const path of ["/api/orders", "/", "/metrics"]) {
      const { headers } = await https(path);
      expect({ path, headers }).toEqual({
        path,
        headers: expect.objectContaining({
          "strict-transport-security": "max-age=31536000",
          "x-content-type-options": "nosniff",
          "x-frame-options": "DENY",
          "referrer-policy": "no-referrer",
          "content-security-policy": "frame-ancestors 'none'",
        }),
      });
    }
  });

  it("speaks HTTP/2 to clients that offer it (ALPN), and /api still reaches the gateway", async () => {
    expect((await handshake({ ALPNProtocols: ["h2", "http/1.1"] })).alpn).toBe("h2");
    const session = http2Connect(`https://localhost:${httpsPort}`, { ca });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ":path": "/api/h2" });
        let status = 0;
        let body = "";
        stream.once("response", (headers) => (status = Number(headers[":status"])));
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (body += chunk));
        stream.once("end", () => resolve({ status, body }));
        stream.once("error", reject);
        stream.end();
      });
      expect(status).toBe(200);
      expect(record(JSON.parse(body), "body")).toEqual({ version: "gateway", url: "/api/h2" });
    } finally {
      session.close();
    }
  });

  it("negotiates TLS 1.3 by default and TLS 1.2 only with forward-secret AEAD ciphers", async () => {
    expect((await handshake({})).protocol).toBe("TLSv1.3");
    const tls12 = await handshake({ maxVersion: "TLSv1.2" });
    expect(tls12.protocol).toBe("TLSv1.2");
    expect(tls12.cipher).toMatch(/^TLS_ECDHE_RSA_WITH_(AES_\d+_GCM|CHACHA20_POLY1305)_SHA\d+$/);
    // CBC with SHA-1 and RSA key exchange (no forward secrecy): nginx's defaults accept them.
    for (const ciphers of ["ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256"]) {
      await expect(handshake({ maxVersion: "TLSv1.2", ciphers })).rejects.toThrow(/handshake failure|alert/i);
    }
  });

  it("redirects plain HTTP to HTTPS with 308 (method and body kept), path and query intact, without HSTS", async () => {
    for (const [method, path] of [["GET", "/api/orders?page=2&sort=desc"], ["POST", "/api/orders"], ["GET", "/"], ["GET", "/ws"]] as const) {
      const reply = await rawRequest(httpPort, { method, path, headers: { host: "localhost" } });
      expect({ method, path, status: reply.status, location: reply.headers.location }).toEqual({ method, path, status: 308, location: `https://localhost:${httpsPort}${path}` });
      expect(reply.headers).not.toHaveProperty("strict-transport-security");
    }
    expect(gateway.seen.map((seen) => seen.url)).not.toContain("/api/orders?page=2&sort=desc");
  });

  it("answers the ACME HTTP-01 challenge over plain HTTP, not redirected", async () => {
    const reply = await rawRequest(httpPort, { path: "/.well-known/acme-challenge/token-123", headers: { host: "localhost" } });
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe("token-123.thumbprint");
    expect((await rawRequest(httpPort, { path: "/.well-known/acme-challenge/missing" })).status).toBe(404);
  });

  it("still passes provider webhooks over plain HTTP (providers do not follow redirects), without HSTS", async () => {
    const body = Buffer.from('{"entry":[]}');
    const reply = await rawRequest(httpPort, { method: "POST", path: "/webhooks/twilio", headers: { "content-type": "application/json", "content-length": body.length }, body });
    expect(reply.status).toBe(200);
    expect(record(JSON.parse(reply.body.toString()), "body")).toEqual({ version: "adapter", url: "/webhooks/twilio" });
    expect(reply.headers).not.toHaveProperty("strict-transport-security");
    expect(adapter.seen.at(-1)?.headers["x-forwarded-proto"]).toBe("http");
  });

  it("keeps the services' /metrics and /health closed over HTTPS too", async () => {
    for (const path of ["/metrics", "/health"]) expect({ path, status: (await https(path)).status }).toEqual({ path, status: 404 });
  });
});

describe("render.sh TLS options", () => {
  let dir: string;
  let cert: string;
  let key: string;
  beforeAll(async () => {
    dir = makePrefix("tls-render");
    ({ cert, key } = await makeCertificate(dir));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = ["--listen", "127.0.0.1:8080", "--gateway", "127.0.0.1:3000", "--adapter", "127.0.0.1:3001"];
  const render = (out: string, extra: string[], env: NodeJS.ProcessEnv = {}) =>
    run("bash", [RENDER, "--out", join(dir, out), ...base, ...extra], { env: { ...process.env, ...env } });

  it("without a certificate renders the plain-HTTP config: no TLS, no redirect, even with --tls-listen", async () => {
    await render("plain.conf", ["--tls-listen", "8443"]);
    const text = readFileSync(join(dir, "plain.conf"), "utf8");
    expect(text).not.toMatch(/\bssl\b|ssl_certificate|return 308/);
    expect(text).toMatch(/^\s*listen 127\.0\.0\.1:8080;$/m);
  });

  it("takes the certificate from TLS_CERT_FILE/TLS_KEY_FILE and the redirect port from TLS_PUBLIC_PORT (443: no port in the URL)", async () => {
    await render("env.conf", ["--tls-listen", "8443"], { TLS_CERT_FILE: cert, TLS_KEY_FILE: key, TLS_PUBLIC_PORT: "443" });
    const text = readFileSync(join(dir, "env.conf"), "utf8");
    expect(text).toContain(`ssl_certificate ${cert};`);
    expect(text).toContain(`ssl_certificate_key ${key};`);
    expect(text).toContain("return 308 https://$host$request_uri;");
    const { stderr } = await run("nginx", ["-t", "-p", dir, "-c", join(dir, "env.conf")]);
    expect(stderr).toContain("test is successful");
  });

  it("refuses half a TLS configuration with a message that says what is missing", async () => {
    await expect(render("x.conf", ["--tls-listen", "8443", "--tls-cert", cert])).rejects.toMatchObject({ stderr: expect.stringContaining("needs both a certificate and a key") });
    await expect(render("x.conf", ["--tls-cert", cert, "--tls-key", key])).rejects.toMatchObject({ stderr: expect.stringContaining("needs --tls-listen") });
    await expect(render("x.conf", ["--tls-listen", "8443", "--tls-cert", join(dir, "missing.pem"), "--tls-key", key])).rejects.toMatchObject({ stderr: expect.stringContaining("cannot read") });
    await expect(render("x.conf", ["--tls-listen", "8080", "--tls-cert", cert, "--tls-key", key])).rejects.toMatchObject({ stderr: expect.stringContaining("different ports") });
  });
});
