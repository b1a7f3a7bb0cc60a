// Baileys: a shop's own WhatsApp number linked as a device (QR code or
// pairing code), driven by a socket per bot in sessions/baileys/. Sends go
// through the bot's session on the replica that owns it; the connection state
// is the session's live one (or, from any replica, the latest update its
// owner published); deleting the bot logs the device out and clears its state.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import type { ConnectionCheck, ProviderDescriptor } from "../provider.js";
import { digits, messagesPerSecond } from "../settings.js";
import type { ConnectionUpdate, ConnectionUpdates } from "../../sessions/connection-updates.js";
import type { BaileysAuthRepository } from "../../sessions/baileys/baileys-auth.repository.js";
import type { BaileysSessions, SessionView } from "../../sessions/baileys/baileys-sessions.js";
import type { SessionOwner } from "../../sessions/baileys/baileys-ownership.js";
import { createBaileysSender, type TypingPolicy } from "./baileys.sender.js";

export interface BaileysProviderOptions {
  sessions: Pick<BaileysSessions, "send" | "has" | "view" | "stop">;
  /** Who runs a bot's session (its lease), for sends and questions that land elsewhere. */
  ownerOf(botId: string): Promise<SessionOwner | null>;
  /** A logged-out or replaced session links again (a fresh QR) on whichever replica runs it. */
  requestRelink(botId: string): Promise<void>;
  updates: Pick<ConnectionUpdates, "latest">;
  auth: Pick<BaileysAuthRepository, "clear">;
  typing: TypingPolicy;
  allowHttpMedia: boolean;
}

export const BAILEYS_SETTINGS = z.strictObject({
  /** The shop's number (digits with country code): the default number for a pairing code. */
  phone_number: digits.optional(),
  /** "true": messages in groups reach the bot too (off by default). */
  groups: z.enum(["true", "false"]).optional(),
  /** Longest "typing…" before each message, in ms (0: none); the fleet's BAILEYS_TYPING_MAX_MS caps it. */
  typing_max_ms: z.string().regex(/^\d{1,5}$/, "must be a whole number of milliseconds").optional(),
  messages_per_second: messagesPerSecond.optional(),
});

function checkOf(view: Pick<ConnectionUpdate, "state" | "qr" | "pairingCode" | "detail">): ConnectionCheck {
  const extra = { ...(view.qr ? { qr: view.qr } : {}), ...(view.pairingCode ? { pairingCode: view.pairingCode } : {}) };
  switch (view.state) {
    case "needs_link":
      return { state: "awaiting_pairing", detail: "The number was unlinked; link it again", ...extra };
    case "awaiting_pairing":
      return { state: "awaiting_pairing", ...extra, ...(view.detail ? { detail: view.detail } : {}) };
    default:
      return { state: view.state, ...(view.detail ? { detail: view.detail } : {}) };
  }
}

export function baileysProvider({ sessions, ownerOf, requestRelink, updates, auth, typing, allowHttpMedia }: BaileysProviderOptions): ProviderDescriptor {
  return {
    kind: "baileys",
    settings: BAILEYS_SETTINGS,
    secrets: [],
    routingKey: () => null,
    // WhatsApp bans linked sessions that send fast: about one message a second.
    defaultRatePerSecond: 1,
    // Buttons and lists are not delivered to linked-device sessions (field reports): numbered text instead.
    capabilities: { text: true, media: true, buttons: false, list: false, template: false, location: true, contacts: true },
    sender: createBaileysSender({
      sessions,
      typing,
      allowHttpMedia,
      async notHere(botId) {
        const owner = await ownerOf(botId).catch(() => null);
        return owner
          ? new AppError("unavailable", "BAILEYS_SESSION_ELSEWHERE", "The bot's WhatsApp session runs on another adapter replica", { details: { owner: owner.address } })
          : new AppError("unavailable", "BAILEYS_SESSION_STARTING", "No adapter replica runs the bot's WhatsApp session yet; try again shortly");
      },
    }),
    async connection(_account, botId) {
      const local: SessionView | null = sessions.view(botId);
      if (local) return checkOf(local);
      const latest = await updates.latest(botId);
      if (latest) return checkOf(latest);
      return { state: "connecting", detail: "Waiting for an adapter replica to start the WhatsApp session" };
    },
    // Configuring the bot again is how a shop asks to link a number that was logged out.
    prepare: (_account, botId) => requestRelink(botId),
    async release(_account, botId) {
      // Here: unlink the device from the shop's phone. Elsewhere, the owner stops the session on its next tick.
      await sessions.stop(botId, { logout: true });
      await auth.clear(botId);
    },
  };
}
