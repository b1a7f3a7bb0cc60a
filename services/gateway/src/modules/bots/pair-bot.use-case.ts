// Linking a bot to WhatsApp (linked-device sessions: Baileys, Evolution API):
// the QR code as a PNG to scan, or the pairing code to type. Both come from
// the adapter's connection state while the bot waits to be linked; Cloud API
// bots never have one.
import QRCode from "qrcode";
import { AppError } from "@fleet/service-kit";
import { authorize, type Actor } from "../../auth/permissions.js";
import type { GetBotConnection } from "./get-bot-connection.use-case.js";

const notWaiting = (what: string) =>
  new AppError("failed_precondition", "BOT_NOT_AWAITING_PAIRING", `The bot has no ${what}: only a bot on a linked-device provider (Baileys, Evolution API) waiting to be linked has one`);

export function createPairBot({ getBotConnection }: { getBotConnection: GetBotConnection }) {
  return {
    async qrPng(actor: Actor, botId: string): Promise<Buffer> {
      authorize(actor, "bots:connect");
      const connection = await getBotConnection(actor, botId);
      if (!connection.qr) throw notWaiting("QR code");
      return QRCode.toBuffer(connection.qr, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 320 });
    },
    async pairingCode(actor: Actor, botId: string): Promise<{ pairingCode: string }> {
      authorize(actor, "bots:connect");
      const connection = await getBotConnection(actor, botId);
      if (!connection.pairingCode) throw notWaiting("pairing code");
      return { pairingCode: connection.pairingCode };
    },
  };
}

export type PairBot = ReturnType<typeof createPairBot>;
