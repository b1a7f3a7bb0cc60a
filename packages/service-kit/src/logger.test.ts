import { describe, it, expect } from "@jest/globals";
import { Writable } from "node:stream";
import { runWithContext } from "./context.js";
import { createLogger, redact, type LogLevel, type Logger } from "./logger.js";

type LogLine = Record<string, unknown>;

/** A logger writing into memory, and the JSON lines it wrote so far. */
function capture(level: LogLevel = "info"): { logger: Logger; lines: () => LogLine[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ service: "test-service", level, stream });
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as LogLine),
  };
}

/** The only line logged; fails the test when there is not exactly one. */
function onlyLine(lines: LogLine[]): LogLine {
  expect(lines).toHaveLength(1);
  const [line] = lines;
  if (!line) throw new Error("no log line");
  return line;
}

describe("createLogger", () => {
  it("writes one JSON line with the service name, level, message and timestamp", () => {
    const { logger, lines } = capture();
    logger.info("bot connected", { botId: "bot-1" });

    const line = onlyLine(lines());
    expect(line).toMatchObject({ service: "test-service", level: "info", message: "bot connected", botId: "bot-1" });
    expect(typeof line.timestamp).toBe("string");
  });

  it("drops lines below the configured level", () => {
    const { logger, lines } = capture("info");
    logger.debug("noise");
    logger.warn("kept");
    expect(lines().map((l) => l.message)).toEqual(["kept"]);
  });

  it("redacts secrets at the top level, in nested objects and inside arrays", () => {
    const { logger, lines } = capture();
    logger.info("outbound call", {
      authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
      token: "tok_live_123",
      password: "hunter2",
      apiKey: "sk-abc123",
      clientSecret: "s3cr3t",
      headers: { Authorization: "Basic dXNlcjpwYXNz", "x-api-key": "key-1", accept: "application/json" },
      providers: [
        { name: "cloud", accessToken: "EAAG-token" },
        { name: "twilio", credentials: { sid: "AC1", authToken: "tw-token" } },
      ],
    });

    const line = onlyLine(lines());
    expect(line).toMatchObject({
      authorization: "[REDACTED]",
      token: "[REDACTED]",
      password: "[REDACTED]",
      apiKey: "[REDACTED]",
      clientSecret: "[REDACTED]",
      headers: { Authorization: "[REDACTED]", "x-api-key": "[REDACTED]", accept: "application/json" },
      providers: [
        { name: "cloud", accessToken: "[REDACTED]" },
        { name: "twilio", credentials: "[REDACTED]" },
      ],
    });
    const raw = JSON.stringify(line);
    for (const leaked of ["eyJhbGciOiJIUzI1NiJ9", "tok_live_123", "hunter2", "sk-abc123", "s3cr3t", "dXNlcjpwYXNz", "key-1", "EAAG-token", "tw-token"]) {
      expect(raw).not.toContain(leaked);
    }
  });

  it("redacts message bodies (text, body, caption) when logging at info level", () => {
    const { logger, lines } = capture("info");
    logger.info("message received", { text: "my card is 4111 1111", body: "call me at +5511999", media: { caption: "photo of my id", id: "wamid.1" } });

    const line = onlyLine(lines());
    expect(line).toMatchObject({ text: "[REDACTED]", body: "[REDACTED]", media: { caption: "[REDACTED]", id: "wamid.1" }, message: "message received" });
    const raw = JSON.stringify(line);
    for (const leaked of ["4111", "+5511999", "photo of my id"]) expect(raw).not.toContain(leaked);
  });

  it("keeps message bodies when the logger runs at debug level, but still redacts secrets", () => {
    const { logger, lines } = capture("debug");
    logger.debug("message received", { text: "hello there", body: "raw body", token: "tok_live_123" });

    expect(onlyLine(lines())).toMatchObject({ level: "debug", text: "hello there", body: "raw body", token: "[REDACTED]" });
  });

  it("adds the request context to lines logged inside runWithContext, and only to those", async () => {
    const { logger, lines } = capture();
    await runWithContext({ requestId: "req-42", tenantId: "tenant-7" }, async () => {
      logger.info("before await");
      await new Promise((resolve) => setImmediate(resolve));
      logger.info("after await", { botId: "bot-3" });
    });
    logger.info("outside");

    const [before, after, outside] = lines();
    expect(before).toMatchObject({ message: "before await", requestId: "req-42", tenantId: "tenant-7", service: "test-service" });
    expect(after).toMatchObject({ message: "after await", requestId: "req-42", tenantId: "tenant-7", botId: "bot-3" });
    expect(outside).toMatchObject({ message: "outside" });
    expect(outside).not.toHaveProperty("requestId");
  });

  it("does not mutate the meta object the caller passed in", () => {
    const { logger } = capture();
    const meta = { token: "tok_live_123", text: "hello", nested: { password: "hunter2", list: [{ apiKey: "k" }] } };
    const before = structuredClone(meta);

    logger.info("call", meta);

    expect(meta).toEqual(before);
  });

  it("logs an error's message and stack instead of an empty object", () => {
    const { logger, lines } = capture();
    logger.error("send failed", { error: new Error("provider timed out") });

    const line = onlyLine(lines());
    expect(line.error).toMatchObject({ name: "Error", message: "provider timed out" });
    expect(JSON.stringify(line.error)).toContain("logger.test");
  });
});

describe("redact", () => {
  it("returns a redacted copy and leaves the input intact", () => {
    const input = { user: { email: "a@b.c", password: "pw" }, text: "hi" };
    expect(redact(input)).toEqual({ user: { email: "a@b.c", password: "[REDACTED]" }, text: "[REDACTED]" });
    expect(redact(input, true)).toEqual({ user: { email: "a@b.c", password: "[REDACTED]" }, text: "hi" });
    expect(input.user.password).toBe("pw");
  });

  it("survives circular references", () => {
    const node: Record<string, unknown> = { name: "root" };
    node.self = node;
    expect(redact(node)).toEqual({ name: "root", self: "[Truncated]" });
  });

  it("logs an object referenced twice (but not circularly) in both places", () => {
    const bot = { id: "bot-1", provider: "cloud" };
    expect(redact({ from: bot, to: bot })).toEqual({ from: bot, to: bot });
  });
});
