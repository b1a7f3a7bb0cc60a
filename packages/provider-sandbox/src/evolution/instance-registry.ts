// The instances this Evolution server hosts, in memory: one Baileys session each, with its token
// (the `hash` returned at creation), connection state, pairing material, webhook configuration,
// settings and the onWhatsApp cache Evolution keeps per number.
export type ConnectionState = "open" | "connecting" | "close";

/** Every event a webhook can subscribe to (EventController.events in Evolution 2.3). */
export const WEBHOOK_EVENTS = [
  "APPLICATION_STARTUP", "QRCODE_UPDATED", "MESSAGES_SET", "MESSAGES_UPSERT", "MESSAGES_EDITED", "MESSAGES_UPDATE",
  "MESSAGES_DELETE", "SEND_MESSAGE", "CONTACTS_SET", "CONTACTS_UPSERT", "CONTACTS_UPDATE", "PRESENCE_UPDATE",
  "CHATS_SET", "CHATS_UPSERT", "CHATS_UPDATE", "CHATS_DELETE", "GROUPS_UPSERT", "GROUP_UPDATE",
  "GROUP_PARTICIPANTS_UPDATE", "CONNECTION_UPDATE", "LABELS_EDIT", "LABELS_ASSOCIATION", "CALL", "TYPEBOT_START",
  "TYPEBOT_CHANGE_STATUS", "REMOVE_INSTANCE", "LOGOUT_INSTANCE",
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** The stored webhook row, as POST /webhook/set and GET /webhook/find return it. */
export interface WebhookConfig {
  id: string;
  url: string;
  headers: Record<string, string> | null;
  enabled: boolean;
  events: string[];
  webhookByEvents: boolean;
  webhookBase64: boolean;
  createdAt: string;
  updatedAt: string;
  instanceId: string;
}

export interface InstanceSettings {
  rejectCall: boolean;
  msgCall: string;
  groupsIgnore: boolean;
  alwaysOnline: boolean;
  readMessages: boolean;
  readStatus: boolean;
  syncFullHistory: boolean;
  wavoipToken: string;
}

export interface QrState {
  count: number;
  code?: string;
  base64?: string;
  pairingCode?: string | null;
}

export interface EvolutionInstance {
  name: string;
  id: string;
  token: string;
  integration: string;
  number?: string;
  state: ConnectionState;
  statusReason: number;
  /** Whether a Baileys socket was ever started: a never-connected instance fails sends differently. */
  socketStarted: boolean;
  /** Number given to connect: WhatsApp then also returns a pairing code. */
  pairingNumber?: string;
  qrcode: QrState;
  /** Owner JID once linked (the webhook `sender`). */
  wuid?: string;
  profileName?: string;
  disconnectedAt?: string;
  disconnectionReasonCode?: number;
  webhook?: WebhookConfig;
  settings: InstanceSettings;
  /** Evolution's onWhatsApp cache: JIDs already verified or seen, which skips the number check. */
  knownJids: Set<string>;
  /** JIDs with a stored contact (the first message from one emits contacts.upsert, later ones contacts.update). */
  contacts: Set<string>;
  createdAt: string;
  updatedAt: string;
}

export class InstanceRegistry {
  readonly #byName = new Map<string, EvolutionInstance>();

  get(name: string): EvolutionInstance | undefined {
    return this.#byName.get(name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  add(instance: EvolutionInstance): void {
    this.#byName.set(instance.name, instance);
  }

  remove(name: string): boolean {
    return this.#byName.delete(name);
  }

  list(): EvolutionInstance[] {
    return [...this.#byName.values()];
  }

  byToken(token: string): EvolutionInstance[] {
    return this.list().filter((instance) => instance.token === token);
  }
}
