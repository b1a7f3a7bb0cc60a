// Linking a bot to WhatsApp (linked-device sessions: Baileys, Evolution API):
// the QR code as a PNG to scan, or the pairing code to type. Both come from
// the adapter's connection state while the bot waits to be linked; Cloud API
// bots never have one. A Baileys bot can also be asked for a new pairing code
// for a given phone number (the adapter's RequestPairingCode).
import { AppError } from "@fleet/service-kit";
import { authorize, type Actor } from "../../auth/permissions.js";
import type { AdapterClient } from "../../clients/adapter.client.js";
import type { GetBotConnection } from "./get-bot-connection.use-case.js";

const QR_OPTIONS = { type: "png", errorCorrectionLevel: "M", margin: 2, width: 320 } as const;

/** The QR renderer, loaded on the first QR asked for: most replicas never render one, and idle memory is what a replica costs. */
const qrcode = async () => (await import("qrcode")).default;

export function createPairBot({ getBotConnection, adapter }: { getBotConnection: GetBotConnection; adapter: Pick<AdapterClient, "requestPairingCode"> }) {
  return {
    /** The bot's latest QR as a PNG; not_found QR_NOT_AVAILABLE when it has none to show (linked, or no linked-device provider). */
    async connectionQrPng(actor: Actor, botId: string): Promise<Buffer> {
      authorize(actor, "bots:connect");
      const connection = await getBotConnection(actor, botId);
      if (!connection.qr) throw new AppError("not_found", "QR_NOT_AVAILABLE", "The bot has no QR code to show: it is not waiting to be linked");
      return (await qrcode()).toBuffer(connection.qr, QR_OPTIONS);
    },
    /** A new pairing code that links the bot's Baileys session to `phoneNumber` (digits with the country code). */
    async requestPairingCode(actor: Actor, botId: string, phoneNumber: string): Promise<{ pairingCode: string }> {
      authorize(actor, "bots:connect");
      return adapter.requestPairingCode({ tenantId: actor.tenantId, botId, phoneNumber });
    },
  };
}

export type PairBot = ReturnType<typeof createPairBot>;
