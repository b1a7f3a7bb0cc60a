// The life of a WhatsApp-Baileys instance, by Evolution's rules: created "close" (or straight
// to "connecting" with qrcode:true), connect starts a Baileys socket that shows a QR code (and a
// pairing code when a number is given), the phone scanning it opens the connection, logout or
// the phone unlinking closes it with statusReason 401, and only a disconnected instance can be
// deleted. Each change is announced by connection.update / qrcode.updated webhooks.
import { randomUUID } from "node:crypto";
import { digitsOf } from "../meta/wamid.js";
import { SandboxError } from "../shared/sandbox-error.js";
import { badRequest, notFound, unauthorized } from "./evolution-error.js";
import {
  WEBHOOK_EVENTS,
  type ConnectionState,
  type EvolutionInstance,
  type InstanceRegistry,
  type InstanceSettings,
  type WebhookConfig,
} from "./instance-registry.js";
import { USER_SERVER } from "./jid.js";
import { newPairingCode, newQrCodeString, qrCodeDataUrl } from "./qr-code.js";
import { parseCreateInstance, parseSetWebhook } from "./request-schemas.js";
import type { EventPublisher } from "./webhook-events.js";
import { newRecordId } from "./wire-json.js";

export const BAILEYS_INTEGRATION = "WHATSAPP-BAILEYS";

export interface QrCodeAnswer {
  pairingCode?: string | null;
  code?: string;
  base64?: string;
  count?: number;
}

export interface InstanceStateAnswer {
  instance: { instanceName: string; state: ConnectionState };
}

export interface SuccessAnswer {
  status: "SUCCESS";
  error: false;
  response: { message: string };
}

export interface LinkOptions {
  /** The phone number scanning the QR code; defaults to the number given to create/connect, else a made-up one. */
  number?: string;
  /** The WhatsApp profile name of that phone. */
  profileName?: string;
}

export interface FetchInstancesQuery {
  instanceName?: string;
  instanceId?: string;
  number?: string;
}

export interface InstanceLifecycleDeps {
  registry: InstanceRegistry;
  events: EventPublisher;
  now: () => number;
  /** QRCODE_LIMIT: QR codes shown before Evolution gives up with state "refused". */
  qrCodeLimit: number;
  /** Messages stored for an instance (fetchInstances' _count). */
  countMessages(instance: string): { messages: number; chats: number };
}

export type InstanceLifecycle = ReturnType<typeof createInstanceLifecycle>;

export function createInstanceLifecycle(deps: InstanceLifecycleDeps) {
  const iso = () => new Date(deps.now()).toISOString();
  const touch = (instance: EvolutionInstance) => {
    instance.updatedAt = iso();
  };

  const qrCodeOf = (instance: EvolutionInstance): QrCodeAnswer => ({
    pairingCode: instance.qrcode.pairingCode,
    code: instance.qrcode.code,
    base64: instance.qrcode.base64,
    count: instance.qrcode.count,
  });

  /** Baileys emits a QR code; past the limit Evolution reports "refused" and ends the session. */
  async function showQrCode(instance: EvolutionInstance): Promise<void> {
    if (instance.qrcode.count >= deps.qrCodeLimit) {
      deps.events.publish(instance, "qrcode.updated", { message: "QR code limit reached, please login again", statusCode: 500 });
      deps.events.publish(instance, "connection.update", {
        instance: instance.name, state: "refused", statusReason: 428,
        wuid: instance.wuid ?? null, profileName: instance.profileName ?? null, profilePictureUrl: null,
      });
      instance.state = "close";
      instance.qrcode = { count: 0 };
      touch(instance);
      return;
    }
    const code = newQrCodeString();
    const base64 = await qrCodeDataUrl(code);
    instance.qrcode = {
      count: instance.qrcode.count + 1,
      code,
      base64,
      pairingCode: instance.pairingNumber === undefined ? null : newPairingCode(),
    };
    touch(instance);
    deps.events.publish(instance, "qrcode.updated", {
      qrcode: { instance: instance.name, pairingCode: instance.qrcode.pairingCode, code, base64 },
    });
  }

  /** connectToWhatsapp: a new Baileys socket, "connecting" until the phone scans the code. */
  async function startSocket(instance: EvolutionInstance, number: string | undefined): Promise<void> {
    instance.socketStarted = true;
    instance.pairingNumber = number;
    setState(instance, "connecting", 200);
    deps.events.publish(instance, "connection.update", { instance: instance.name, state: "connecting", statusReason: 200 });
    await showQrCode(instance);
  }

  function setState(instance: EvolutionInstance, state: ConnectionState, statusReason: number): void {
    instance.state = state;
    instance.statusReason = statusReason;
    if (state === "close") {
      instance.disconnectedAt = iso();
      instance.disconnectionReasonCode = statusReason;
    }
    touch(instance);
  }

  /** The session ends (logout through the API, or the phone removing the linked device). */
  function loggedOut(instance: EvolutionInstance): void {
    setState(instance, "close", 401);
    deps.events.publish(instance, "connection.update", { instance: instance.name, state: "close", statusReason: 401 });
  }

  function requireInstance(name: string): EvolutionInstance {
    const instance = deps.registry.get(name);
    if (instance === undefined) throw new SandboxError("UNKNOWN_INSTANCE", `instance ${name} does not exist`, 404);
    return instance;
  }

  function webhookConfig(instance: Pick<EvolutionInstance, "id" | "webhook">, input: { enabled: boolean; url: string; headers?: Record<string, unknown>; byEvents?: boolean; base64?: boolean; events?: readonly string[] }): WebhookConfig {
    const events = !input.enabled ? [] : input.events === undefined || input.events.length === 0 ? [...WEBHOOK_EVENTS] : [...input.events];
    return {
      id: instance.webhook?.id ?? newRecordId(),
      url: input.url,
      headers: input.headers === undefined ? (instance.webhook?.headers ?? null) : stringHeaders(input.headers),
      enabled: input.enabled,
      events,
      webhookByEvents: input.byEvents ?? false,
      webhookBase64: input.base64 ?? false,
      createdAt: instance.webhook?.createdAt ?? iso(),
      updatedAt: iso(),
      instanceId: instance.id,
    };
  }

  function instanceInfo(instance: EvolutionInstance) {
    const counts = deps.countMessages(instance.name);
    return {
      id: instance.id,
      name: instance.name,
      connectionStatus: instance.state,
      ownerJid: instance.wuid ?? null,
      profileName: instance.profileName ?? null,
      profilePicUrl: null,
      integration: instance.integration,
      number: instance.number ?? null,
      businessId: null,
      token: instance.token,
      clientName: "evolution_exchange",
      disconnectionReasonCode: instance.disconnectionReasonCode ?? null,
      disconnectionObject: null,
      disconnectionAt: instance.disconnectedAt ?? null,
      createdAt: instance.createdAt,
      updatedAt: instance.updatedAt,
      Chatwoot: null,
      Proxy: null,
      Rabbitmq: null,
      Nats: null,
      Sqs: null,
      Websocket: null,
      Setting: { id: `${instance.id}-settings`, ...instance.settings, createdAt: instance.createdAt, updatedAt: instance.updatedAt, instanceId: instance.id },
      _count: { Message: counts.messages, Contact: instance.contacts.size, Chat: counts.chats },
    };
  }

  return {
    get: (name: string) => deps.registry.get(name),
    list: () => deps.registry.list(),

    /** POST /instance/create (after the name and auth guards). */
    async create(body: unknown) {
      const request = parseCreateInstance(body);
      if (request.integration !== undefined && request.integration !== BAILEYS_INTEGRATION) {
        throw badRequest(`The sandbox only models the ${BAILEYS_INTEGRATION} integration, not ${request.integration}`);
      }
      const settings: InstanceSettings = {
        rejectCall: request.rejectCall === true,
        msgCall: request.msgCall ?? "",
        groupsIgnore: request.groupsIgnore === true,
        alwaysOnline: request.alwaysOnline === true,
        readMessages: request.readMessages === true,
        readStatus: request.readStatus === true,
        syncFullHistory: request.syncFullHistory === true,
        wavoipToken: "",
      };
      const instance: EvolutionInstance = {
        name: request.instanceName,
        id: randomUUID(),
        token: request.token ?? randomUUID().toUpperCase(),
        integration: request.integration ?? BAILEYS_INTEGRATION,
        number: request.number,
        state: "close",
        statusReason: 200,
        socketStarted: false,
        qrcode: { count: 0 },
        settings,
        knownJids: new Set(),
        contacts: new Set(),
        createdAt: iso(),
        updatedAt: iso(),
      };
      // A webhook given at creation is always enabled; no events means all of them.
      if (request.webhook !== undefined) instance.webhook = webhookConfig(instance, { ...request.webhook, enabled: true });
      deps.registry.add(instance);
      if (request.qrcode === true) await startSocket(instance, request.number);
      return {
        instance: {
          instanceName: instance.name,
          instanceId: instance.id,
          integration: request.integration,
          webhookWaBusiness: null,
          accessTokenWaBusiness: "",
          status: instance.state,
        },
        hash: instance.token,
        webhook: {
          webhookUrl: request.webhook?.url,
          webhookHeaders: request.webhook?.headers,
          webhookByEvents: request.webhook?.byEvents,
          webhookBase64: request.webhook?.base64,
        },
        websocket: {},
        rabbitmq: {},
        sqs: {},
        settings,
        ...(request.qrcode === true && instance.state === "connecting" ? { qrcode: qrCodeOf(instance) } : {}),
      };
    },

    /** GET /instance/connect/:instance — the QR code, or the state once open. */
    async connect(instance: EvolutionInstance, number: string | undefined): Promise<QrCodeAnswer | InstanceStateAnswer> {
      if (instance.state === "open") return { instance: { instanceName: instance.name, state: "open" } };
      if (instance.state === "close") await startSocket(instance, number);
      return qrCodeOf(instance);
    },

    connectionState(instance: EvolutionInstance): InstanceStateAnswer {
      return { instance: { instanceName: instance.name, state: instance.state } };
    },

    /** DELETE /instance/logout/:instance */
    logout(instance: EvolutionInstance): SuccessAnswer {
      if (instance.state === "close") throw badRequest(`The "${instance.name}" instance is not connected`);
      loggedOut(instance);
      return { status: "SUCCESS", error: false, response: { message: "Instance logged out" } };
    },

    /** DELETE /instance/delete/:instance */
    delete(instance: EvolutionInstance): SuccessAnswer {
      if (instance.state === "open") throw badRequest(`The "${instance.name}" instance needs to be disconnected`);
      if (instance.state === "connecting") loggedOut(instance);
      deps.registry.remove(instance.name);
      return { status: "SUCCESS", error: false, response: { message: "Instance deleted" } };
    },

    /** GET /instance/fetchInstances — all instances for the global key, its own for an instance token. */
    fetchInstances(query: FetchInstancesQuery, apikey: string, isGlobalKey: boolean) {
      if (!isGlobalKey) {
        const own = deps.registry.byToken(apikey).filter((i) =>
          (query.instanceName === undefined || i.name === query.instanceName) && (query.instanceId === undefined || i.id === query.instanceId));
        if (own.length === 0) throw unauthorized();
        return own.map(instanceInfo);
      }
      if (query.instanceId !== undefined || query.number !== undefined) {
        return deps.registry.list()
          .filter((i) => (query.instanceId === undefined || i.id === query.instanceId) && (query.number === undefined || i.number === query.number))
          .map(instanceInfo);
      }
      if (query.instanceName !== undefined) {
        const instance = deps.registry.get(query.instanceName);
        if (instance === undefined) throw notFound(`Instance "${query.instanceName}" not found`);
        return [instanceInfo(instance)];
      }
      return deps.registry.list().map(instanceInfo);
    },

    /** POST /webhook/set/:instance — answers the stored row. */
    setWebhook(instance: EvolutionInstance, body: unknown): WebhookConfig {
      const { webhook } = parseSetWebhook(body);
      instance.webhook = webhookConfig(instance, webhook);
      touch(instance);
      return instance.webhook;
    },

    findWebhook(instance: EvolutionInstance): WebhookConfig | null {
      return instance.webhook ?? null;
    },

    /** Sandbox control: the phone scans the QR code (or enters the pairing code). */
    link(name: string, options: LinkOptions = {}): InstanceStateAnswer {
      const instance = requireInstance(name);
      if (instance.state !== "connecting") {
        throw new SandboxError("NOT_PAIRING", `instance ${name} is ${instance.state}: there is no QR code to scan (call /instance/connect first)`, 409);
      }
      const number = options.number ?? instance.pairingNumber ?? instance.number ?? `1555${String(Math.floor(deps.now() % 10_000_000)).padStart(7, "0")}`;
      instance.wuid = `${digitsOf(number)}@${USER_SERVER}`;
      instance.profileName = options.profileName ?? instance.profileName ?? "Sandbox Business";
      setState(instance, "open", 200);
      deps.events.publish(instance, "connection.update", {
        instance: instance.name, wuid: instance.wuid, profileName: instance.profileName, profilePictureUrl: null, state: "open", statusReason: 200,
      });
      return { instance: { instanceName: instance.name, state: instance.state } };
    },

    /** Sandbox control: the phone removes the linked device (WhatsApp logs the session out). */
    unlink(name: string): InstanceStateAnswer {
      const instance = requireInstance(name);
      if (instance.state === "close") throw new SandboxError("NOT_CONNECTED", `instance ${name} is not connected`, 409);
      loggedOut(instance);
      return { instance: { instanceName: instance.name, state: instance.state } };
    },

    /** Sandbox control: WhatsApp rotates the QR code while nobody scans it. */
    async refreshQr(name: string): Promise<QrCodeAnswer | InstanceStateAnswer> {
      const instance = requireInstance(name);
      if (instance.state !== "connecting") throw new SandboxError("NOT_PAIRING", `instance ${name} is ${instance.state}, not showing a QR code`, 409);
      await showQrCode(instance);
      return instance.state === "connecting" ? qrCodeOf(instance) : { instance: { instanceName: instance.name, state: instance.state } };
    },
  };
}

/** Header values are sent as strings, whatever JSON the webhook configuration held. */
function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]));
}
