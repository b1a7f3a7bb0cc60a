// A flow end to end: signed webhooks through nginx → adapter → partitions → two orchestrator
// replicas running the flow engine → adapter → sandbox. A contact's fast messages are each answered
// once, in order; a wait's follow-up fires once; and when every orchestrator is killed with
// SIGKILL during a wait and started again, the follow-up still arrives exactly once.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { activateFlow, messageWebhook, postToFleet, startFleet, type Fleet } from "../src/index.js";

const WAIT_S = 3;
const flow = {
  schemaVersion: 1,
  id: "busqueda",
  name: "Búsqueda",
  start: "saludo",
  triggers: [{ type: "keyword", keywords: ["hola"] }],
  steps: {
    saludo: { kind: "message", text: "Hola {{contact.first_name}}", next: "pregunta" },
    pregunta: { kind: "question", text: "¿Qué buscas?", variable: "consulta", validation: { type: "text", maxLength: 60 }, onFail: "fin", next: "eco" },
    eco: { kind: "message", text: "Buscas {{consulta}}", next: "espera" },
    espera: { kind: "wait", seconds: WAIT_S, next: "fin", onReply: "pregunta" },
    fin: { kind: "end", message: "¿Encontraste {{consulta}}?" },
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function repliesTo(fleet: Fleet, to: string): string[] {
  return fleet.sandbox.store.sent({ to }).map((send) => (send.body as { text?: { body?: string } }).text?.body ?? "");
}

async function say(fleet: Fleet, from: string, text: string): Promise<void> {
  const response = await postToFleet(fleet, messageWebhook(fleet, [{ from, text, name: "Ana López" }]));
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("a flow on the fleet", () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ scale: { "bot-orchestrator": 2 }, env: { "bot-orchestrator": { PARTITION_LEASE_TTL_MS: "2000", ACTIVE_FLOW_CACHE_MS: "200" } } });
    await activateFlow(fleet, flow);
    // Activation reaches the replicas within ACTIVE_FLOW_CACHE_MS.
    await sleep(400);
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it("answers a contact's fast messages each once, in order, and sends the wait's follow-up once", async () => {
    const contact = "5215570000001";
    await say(fleet, contact, "hola");
    await until(() => repliesTo(fleet, contact).length >= 2, 15_000, "the greeting");
    for (const item of ["anillo", "arete", "collar", "pulsera"]) await say(fleet, contact, item);
    await until(() => repliesTo(fleet, contact).length >= 7, 15_000 + WAIT_S * 1000, "the answers and the follow-up");
    await sleep(WAIT_S * 1000);
    expect(repliesTo(fleet, contact)).toEqual(["Hola Ana", "¿Qué buscas?", "Buscas anillo", "Buscas arete", "Buscas collar", "Buscas pulsera", "¿Encontraste pulsera?"]);
  }, 40_000);

  it("fires a wait's follow-up exactly once when every orchestrator is killed with SIGKILL during the wait and started again", async () => {
    const contact = "5215570000002";
    await say(fleet, contact, "hola");
    await until(() => repliesTo(fleet, contact).length >= 2, 15_000, "the greeting");
    await say(fleet, contact, "reloj");
    await until(() => repliesTo(fleet, contact).length >= 3, 15_000, "the answer");
    // The wait's timer is stored; nobody runs while it falls due.
    await Promise.all(fleet.replicas["bot-orchestrator"].map((replica) => replica.stop("SIGKILL")));
    await sleep(WAIT_S * 1000 + 500);
    expect(repliesTo(fleet, contact)).toHaveLength(3);
    for (let index = 0; index < fleet.replicas["bot-orchestrator"].length; index += 1) await fleet.restartReplica("bot-orchestrator", index);
    await until(() => repliesTo(fleet, contact).length >= 4, 20_000, "the follow-up after the restart");
    // Leases of the killed replicas expire and partitions move around: nothing is sent again.
    await sleep(3000);
    expect(repliesTo(fleet, contact)).toEqual(["Hola Ana", "¿Qué buscas?", "Buscas reloj", "¿Encontraste reloj?"]);
  }, 60_000);
});
