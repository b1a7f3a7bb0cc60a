// Service-to-service authentication: tokens signed with the fleet key name their caller and
// callee; a real gRPC server refuses calls without one, with a wrong one, or from a service the
// method's policy does not list — unary and streaming alike — and key rotation keeps old and new
// replicas talking.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { SignJWT } from "jose";
import { AppError, createLogger, createMetrics } from "@fleet/service-kit";
import { Writable } from "node:stream";
import { AdapterService } from "@fleet/contracts/adapter";
import { clientAuth, createTokenSigner, createTokenVerifier, type FleetKeyring, type ServerAuth } from "./auth.js";
import { createServiceClient } from "./client.js";
import { implement, startGrpcServer, unimplemented, type RunningGrpcServer } from "./server.js";

const OLD = { id: "2025", material: "fleet-key-material-old-0123456789abcdef" };
const NEW = { id: "2026", material: "fleet-key-material-new-fedcba9876543210" };
const KEYS: FleetKeyring = { current: NEW, previous: [OLD] };

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal, but it succeeded");
}

describe("service tokens", () => {
  const verifier = createTokenVerifier({ service: "whatsapp-adapter", keys: KEYS });

  it("name the calling service to the service they are for", async () => {
    const token = await createTokenSigner({ service: "bot-orchestrator", keys: KEYS }).tokenFor("whatsapp-adapter");
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toBe("bot-orchestrator");
  });

  it("are reused for half their lifetime, then signed again", async () => {
    let now = 1_800_000_000_000;
    const signer = createTokenSigner({ service: "gateway", keys: KEYS, ttlSeconds: 60, now: () => now });
    const first = await signer.tokenFor("whatsapp-adapter");
    now += 29_000;
    expect(await signer.tokenFor("whatsapp-adapter")).toBe(first);
    expect(await signer.tokenFor("bot-orchestrator")).not.toBe(first);
    now += 2_000;
    expect(await signer.tokenFor("whatsapp-adapter")).not.toBe(first);
  });

  it("are refused when missing, malformed, for another service, expired or signed with an unknown key", async () => {
    const refusals = [
      undefined,
      "Basic Zm9vOmJhcg==",
      "Bearer not-a-jwt",
      `Bearer ${await createTokenSigner({ service: "gateway", keys: KEYS }).tokenFor("bot-orchestrator")}`,
      `Bearer ${await createTokenSigner({ service: "gateway", keys: KEYS, ttlSeconds: 60, now: () => Date.now() - 3_600_000 }).tokenFor("whatsapp-adapter")}`,
      `Bearer ${await createTokenSigner({ service: "gateway", keys: { current: { id: "2026", material: "an-attacker-guess-at-the-fleet-key-000000" } } }).tokenFor("whatsapp-adapter")}`,
      `Bearer ${await createTokenSigner({ service: "gateway", keys: { current: { id: "1999", material: OLD.material } } }).tokenFor("whatsapp-adapter")}`,
    ];
    for (const authorization of refusals) {
      const error = await rejectionOf(verifier.verify(authorization));
      expect(error).toMatchObject({ kind: "unauthenticated", code: "SERVICE_TOKEN_INVALID" });
    }
  });

  it("are refused when they name no fleet service as the caller", async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", kid: NEW.id })
      .setIssuer("nginx")
      .setAudience("whatsapp-adapter")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(NEW.material));
    expect(await rejectionOf(verifier.verify(`Bearer ${forged}`))).toMatchObject({ code: "SERVICE_TOKEN_INVALID" });
  });

  it("keep verifying across a rotation: a replica still on the old key and one on the new understand each other", async () => {
    const oldReplica = createTokenSigner({ service: "gateway", keys: { current: OLD } });
    const newVerifierOfOldReplica = createTokenVerifier({ service: "whatsapp-adapter", keys: { current: OLD, previous: [NEW] } });
    await expect(verifier.verify(`Bearer ${await oldReplica.tokenFor("whatsapp-adapter")}`)).resolves.toBe("gateway");
    const newReplica = createTokenSigner({ service: "gateway", keys: KEYS });
    await expect(newVerifierOfOldReplica.verify(`Bearer ${await newReplica.tokenFor("whatsapp-adapter")}`)).resolves.toBe("gateway");
    // Once the old key is dropped, its tokens no longer pass.
    const afterRotation = createTokenVerifier({ service: "whatsapp-adapter", keys: { current: NEW } });
    expect(await rejectionOf(afterRotation.verify(`Bearer ${await oldReplica.tokenFor("whatsapp-adapter")}`))).toMatchObject({ code: "SERVICE_TOKEN_INVALID" });
  });
});

describe("a gRPC server with authentication", () => {
  const logger = createLogger({ service: "test-adapter", level: "error", stream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  let server: RunningGrpcServer;
  const callers: string[] = [];
  const auth: ServerAuth = {
    verifier: createTokenVerifier({ service: "whatsapp-adapter", keys: KEYS }),
    callers: { [AdapterService.typeName]: { sendMessage: ["gateway", "bot-orchestrator"], configureBot: ["gateway"], watchConnection: ["gateway"] } },
  };
  const clientAs = (service: "gateway" | "bot-orchestrator" | "analytics-worker" | null) =>
    createServiceClient(AdapterService, `127.0.0.1:${server.port}`, {
      defaultDeadlineMs: 2000,
      ...(service ? { auth: clientAuth(createTokenSigner({ service, keys: KEYS }), "whatsapp-adapter") } : {}),
    });

  beforeAll(async () => {
    server = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      logger,
      metrics: createMetrics("test-adapter"),
      auth,
      services: [
        implement(AdapterService, {
          ...unimplemented(AdapterService),
          sendMessage: async (_request, context) => {
            callers.push(context.caller ?? "none");
            return { providerMessageId: "wamid.1" };
          },
          configureBot: async () => ({}),
          watchConnection: async function* () {
            yield { update: { botId: "bot-1" } };
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await server.stop(0);
  });

  it("serves a caller the method's policy lists, and tells the handler who called", async () => {
    const orchestrator = clientAs("bot-orchestrator");
    await expect(orchestrator.sendMessage({ botId: "bot-1" })).resolves.toMatchObject({ providerMessageId: "wamid.1" });
    expect(callers.at(-1)).toBe("bot-orchestrator");
    orchestrator.close();
  });

  it("refuses a call without a token with UNAUTHENTICATED before the handler runs", async () => {
    const anonymous = clientAs(null);
    const before = callers.length;
    expect(await rejectionOf(anonymous.sendMessage({ botId: "bot-1" }))).toMatchObject({ kind: "unauthenticated", code: "SERVICE_TOKEN_INVALID" });
    expect(callers.length).toBe(before);
    anonymous.close();
  });

  it("refuses a fleet service the method's policy does not list with PERMISSION_DENIED, and methods no policy names to everyone", async () => {
    const orchestrator = clientAs("bot-orchestrator");
    expect(await rejectionOf(orchestrator.configureBot({ tenantId: "t", botId: "b" }))).toMatchObject({ kind: "permission_denied", code: "SERVICE_NOT_ALLOWED" });
    const worker = clientAs("analytics-worker");
    expect(await rejectionOf(worker.sendMessage({ botId: "bot-1" }))).toMatchObject({ kind: "permission_denied", code: "SERVICE_NOT_ALLOWED" });
    const gateway = clientAs("gateway");
    expect(await rejectionOf(gateway.deleteBot({ tenantId: "t", botId: "b" }))).toMatchObject({ kind: "permission_denied" });
    for (const client of [orchestrator, worker, gateway]) client.close();
  });

  it("checks streaming calls the same way", async () => {
    const gateway = clientAs("gateway");
    const updates: string[] = [];
    for await (const message of gateway.watchConnection({ tenantId: "t", botId: "bot-1" })) updates.push(message.update?.botId ?? "");
    expect(updates).toEqual(["bot-1"]);
    const orchestrator = clientAs("bot-orchestrator");
    const refused = (async () => {
      for await (const message of orchestrator.watchConnection({ tenantId: "t", botId: "bot-1" })) updates.push(message.update?.botId ?? "");
    })();
    expect(await rejectionOf(refused)).toMatchObject({ kind: "permission_denied" });
    for (const client of [gateway, orchestrator]) client.close();
  });
});
