// Baileys (a linked WhatsApp Web session): configurable today, sessions come
// with their own subsystem. Until then it has no sender, so a send through a
// Baileys bot falls back to its next provider, and it reports "disconnected".
import { z } from "zod";
import type { ProviderDescriptor } from "../provider.js";
import { digits } from "../settings.js";

export function baileysProvider(): ProviderDescriptor {
  return {
    kind: "baileys",
    settings: z.strictObject({ phone_number: digits.optional() }),
    secrets: [],
    routingKey: () => null,
    // WhatsApp bans linked sessions that send fast: about one message a second.
    defaultRatePerSecond: 1,
    // Buttons and lists are not delivered to linked-device sessions (field reports): numbered text instead.
    capabilities: { text: true, media: true, buttons: false, list: false, template: false, location: true, contacts: true },
    connection: async () => ({ state: "disconnected", detail: "baileys sessions are not available yet" }),
  };
}
