// RequestPairingCode: link a bot's Baileys session by typing a code on the
// phone instead of scanning the QR. The session that owns the bot asks
// WhatsApp for the code (PairingCodes, implemented by the Baileys session
// manager); it is also published as a connection update, so watchers see it.
import { AppError } from "@fleet/service-kit";
import type { BotCache } from "../repositories/bot-cache.js";
import { requireBaileysBot } from "./watch-connection.use-case.js";

export interface PairingCodes {
  request(botId: string, phone: string): Promise<{ pairingCode: string }>;
}

// E.164 without the plus: a country code and a national number, 8 to 15 digits in all.
const PHONE_DIGITS = /^[1-9]\d{7,14}$/;

export interface RequestPairingCodeDeps {
  bots: Pick<BotCache, "find">;
  pairingCodes: PairingCodes;
}

export function createRequestPairingCode({ bots, pairingCodes }: RequestPairingCodeDeps) {
  return async function requestPairingCode({ tenantId, botId, phoneNumber }: { tenantId: string; botId: string; phoneNumber: string }): Promise<{ pairingCode: string }> {
    if (!PHONE_DIGITS.test(phoneNumber)) {
      throw new AppError("invalid_argument", "PHONE_NUMBER_INVALID", "phone_number must be the digits of the number with its country code (8 to 15 digits, no + or spaces)");
    }
    const bot = await requireBaileysBot(bots, tenantId, botId);
    return pairingCodes.request(bot.id, phoneNumber);
  };
}

export type RequestPairingCode = ReturnType<typeof createRequestPairingCode>;
