// What a linked session does with the messages Baileys hands it
// (messages.upsert of type 'notify'): contacts' messages become the fleet's
// InboundMessages on the inbound partitions, each appended once (deduped by
// bot and message id, also across replicas and sockets); messages the shop
// sends from its own phone (fromMe, but not one of ours) become a
// handoff.human_replied event instead, so the bot steps back. Groups are
// ignored unless the bot's settings enable them. LIDs learned beside a phone
// number are stored in the session's `lid-mapping` keys (Baileys' own
// layout), so a later message from the LID alone still finds the phone.
import type { SignalKeyStore, WAMessage } from "@whiskeysockets/baileys";
import type { InboundMessage, ProviderEntry } from "@fleet/contracts";
import type { EventPublisher, Logger } from "@fleet/service-kit";
import type { Counter } from "prom-client";
import { choiceOf } from "../../providers/degrade.js";
import type { InboundRepository } from "../../repositories/inbound.repository.js";
import type { OfferedChoicesRepository } from "../../repositories/offered-choices.repository.js";
import type { BaileysBot } from "./baileys-auth.repository.js";
import { baileysMessages, type BaileysMessages } from "./baileys-inbound.js";
import { loadBaileys } from "./baileys-library.js";

export interface ReceiveContext {
  bot: BaileysBot;
  /** The session's signal keys (cached): where the LID↔phone mapping lives. */
  keys: SignalKeyStore;
  /** Whether this session sent the message with this id (its echo is not the shop's phone). */
  sentByUs(messageId: string): boolean;
}

export interface BaileysReceiverDeps {
  inbound: InboundRepository;
  events: Pick<EventPublisher, "emit">;
  choices: Pick<OfferedChoicesRepository, "find">;
  logger: Logger;
  counters: {
    /** whatsapp_messages_received_total */
    received: Counter<"provider">;
    /** adapter_inbound_items_total */
    inbound: Counter<"provider" | "type" | "outcome">;
  };
  now?: () => Date;
}

export type BaileysReceiver = (context: ReceiveContext, messages: WAMessage[]) => Promise<void>;

/** Groups are off unless the bot's `groups` setting is "true". */
export function groupsEnabled(settings: Record<string, string>): boolean {
  return settings.groups === "true";
}

export function createBaileysReceiver({ inbound, events, choices, logger, counters, now = () => new Date() }: BaileysReceiverDeps): BaileysReceiver {
  const count = (type: string, outcome: string, n = 1) => counters.inbound.inc({ provider: "baileys", type, outcome }, n);
  let tools: BaileysMessages | null = null;

  /** Stores the pair unless already known, in Baileys' layout: {pnUser: lidUser, "<lidUser>_reverse": pnUser}. */
  async function learn(m: BaileysMessages, keys: SignalKeyStore, lid: string, phone: string): Promise<void> {
    const lidUser = m.jidUser(lid);
    const pnUser = m.jidUser(phone);
    if (!lidUser || !pnUser) return;
    const known = await keys.get("lid-mapping", [`${lidUser}_reverse`]);
    if (known[`${lidUser}_reverse`] === pnUser) return;
    await keys.set({ "lid-mapping": { [pnUser]: lidUser, [`${lidUser}_reverse`]: pnUser } });
  }

  /**
   * The conversation's contact as the fleet addresses it: the phone's digits when known, else the
   * LID JID as given (a reply to it still reaches the contact), the group JID for a group.
   */
  async function contactOf(m: BaileysMessages, keys: SignalKeyStore, message: WAMessage): Promise<string | null> {
    const chat = message.key.remoteJid;
    if (!chat) return null;
    if (m.isGroup(chat)) return chat;
    const { jid, alt } = m.senderJids(message);
    if (m.isPhoneJid(jid)) return m.jidUser(jid) ?? null;
    if (m.isPhoneJid(alt)) return m.jidUser(alt) ?? null;
    if (jid && m.isLidUser(jid)) {
      const lidUser = m.jidUser(jid);
      if (lidUser) {
        const stored = (await keys.get("lid-mapping", [`${lidUser}_reverse`]))[`${lidUser}_reverse`];
        if (typeof stored === "string" && /^\d{5,20}$/.test(stored)) return stored;
      }
      return m.jidNormalizedUser(jid);
    }
    return null;
  }

  async function withChoice(entry: InboundMessage): Promise<InboundMessage> {
    if (entry.type !== "text" || !entry.text) return entry;
    const offer = await choices.find(entry.botId, entry.from);
    const chosen = offer ? choiceOf(entry.text, offer.options) : undefined;
    return offer && chosen ? { ...entry, type: offer.kind === "buttons" ? "button_reply" : "list_reply", replyId: chosen.id } : entry;
  }

  return async function receive({ bot, keys, sentByUs }, messages) {
    const m = (tools ??= baileysMessages(await loadBaileys()));
    const entries: ProviderEntry[] = [];
    const receivedAt = now();
    const ref = { botId: bot.botId, tenantId: bot.tenantId };
    for (const message of messages) {
      const chat = message.key.remoteJid;
      const id = message.key.id;
      if (!chat || !id || m.isNotAChat(chat)) {
        count("any", "ignored");
        continue;
      }
      if (m.isGroup(chat) && !groupsEnabled(bot.settings)) {
        count("group", "ignored");
        continue;
      }
      const pair = m.lidPhonePair(message);
      if (pair) {
        await learn(m, keys, pair.lid, pair.phone).catch((error: unknown) =>
          logger.warn("LID mapping not stored", { botId: bot.botId, error: error instanceof Error ? error.message : String(error) }),
        );
      }
      const contact = await contactOf(m, keys, message);
      if (!contact) {
        count("any", "ignored");
        continue;
      }
      if (message.key.fromMe) {
        if (sentByUs(id)) continue;
        // The shop answered from its phone: a human is handling this contact.
        await events.emit({
          id: `handoff.human_replied:${bot.botId}:${id}`,
          type: "handoff.human_replied",
          tenantId: bot.tenantId,
          botId: bot.botId,
          contact,
          attributes: { provider: "baileys", message_id: id },
        });
        count("from_me", "handoff");
        continue;
      }
      const entry = m.inboundMessageOf(message, ref, contact, receivedAt);
      if (!entry) {
        count("any", "ignored");
        continue;
      }
      entries.push(await withChoice(entry));
    }
    const { appended, duplicates, messages: fresh } = await inbound.appendOnce(entries);
    if (appended > 0) count("any", "accepted", appended);
    if (duplicates > 0) count("any", "duplicate", duplicates);
    if (fresh > 0) counters.received.inc({ provider: "baileys" }, fresh);
  };
}
