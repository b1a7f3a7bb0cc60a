// Messages a linked Baileys session receives, on real Redis and Postgres:
// normalised to the fleet's InboundMessage on the inbound partitions (once per
// message id), LID senders resolved to phones through the stored mapping,
// groups ignored unless enabled, and the shop's own replies from its phone
// turned into a handoff.human_replied event.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { proto } from "@whiskeysockets/baileys";
import type { InboundMessage } from "@fleet/contracts";
import type { BaileysBot } from "../src/sessions/baileys/baileys-auth.repository.js";
import type { BaileysSessions } from "../src/sessions/baileys/baileys-sessions.js";
import { FakeBaileysSocketFactory, incoming, type FakeBaileysSocket } from "./support/fake-baileys.js";
import { eventually, sleep, startBaileysFixture, type BaileysFixture } from "./support/baileys-fixture.js";

let f: BaileysFixture;

beforeAll(async () => {
  f = await startBaileysFixture();
});

afterAll(async () => {
  await f.close();
});

interface Linked {
  bot: BaileysBot;
  sessions: BaileysSessions;
  socket: FakeBaileysSocket;
}

async function linked(settings: Record<string, string> = {}): Promise<Linked> {
  const factory = new FakeBaileysSocketFactory();
  const bot = await f.newBot(settings);
  const sessions = f.sessions(factory);
  await sessions.start(bot);
  const socket = await factory.nth(bot.botId, 1);
  socket.open();
  await eventually(() => sessions.view(bot.botId)?.state === "connected");
  return { bot, sessions, socket };
}

async function messagesOf(botId: string): Promise<InboundMessage[]> {
  return (await f.inboundEntries()).map((item) => item.entry).filter((entry): entry is InboundMessage => entry.kind === "message" && entry.botId === botId);
}

async function received(botId: string, count: number): Promise<InboundMessage[]> {
  return eventually(async () => {
    const messages = await messagesOf(botId);
    return messages.length >= count ? messages : undefined;
  }, 3000, `${count} inbound messages`);
}

describe("Baileys inbound", () => {
  it("appends a contact's text from a phone JID once, however often it is delivered", async () => {
    const { bot, socket } = await linked();
    const message = incoming({ remoteJid: "5215512345678@s.whatsapp.net", pushName: "Ana", message: { conversation: "Hola, ¿tienen tenis?" } });
    socket.upsert([message]);
    socket.upsert([message]);
    const [entry] = await received(bot.botId, 1);

    expect(entry).toMatchObject({
      v: 1,
      kind: "message",
      id: `baileys:${bot.botId}:${message.key.id}`,
      tenantId: bot.tenantId,
      botId: bot.botId,
      provider: "baileys",
      providerMessageId: message.key.id,
      from: "5215512345678",
      contactName: "Ana",
      type: "text",
      text: "Hola, ¿tienen tenis?",
    });
    await sleep(100);
    expect(await messagesOf(bot.botId)).toHaveLength(1);
  });

  it("takes only 'notify' upserts: history and our own echoes ('append') are not conversation", async () => {
    const { bot, socket } = await linked();
    socket.upsert([incoming({ remoteJid: "5215512345679@s.whatsapp.net", message: { conversation: "old" } })], "append");
    socket.upsert([incoming({ remoteJid: "5215512345679@s.whatsapp.net", message: { extendedTextMessage: { text: "new" } } })]);
    const messages = await received(bot.botId, 1);
    await sleep(100);
    expect((await messagesOf(bot.botId)).map((m) => m.text)).toEqual(["new"]);
    expect(messages[0]?.text).toBe("new");
  });

  it("resolves a LID sender to its phone: from the key's alternate JID, then from the stored mapping", async () => {
    const { bot, socket } = await linked();
    socket.upsert([incoming({ remoteJid: "201234567890123@lid", remoteJidAlt: "5215511112222@s.whatsapp.net", message: { conversation: "primero" } })]);
    await received(bot.botId, 1);
    const stored = await f.auth.keyStore(bot.botId).get("lid-mapping", ["201234567890123_reverse", "5215511112222"]);
    expect(stored).toEqual({ "201234567890123_reverse": "5215511112222", "5215511112222": "201234567890123" });

    socket.upsert([incoming({ remoteJid: "201234567890123@lid", message: { conversation: "segundo" } })]);
    const messages = await received(bot.botId, 2);
    expect(messages.map((m) => [m.text, m.from])).toEqual([
      ["primero", "5215511112222"],
      ["segundo", "5215511112222"],
    ]);
  });

  it("keeps a contact's messages in the order WhatsApp delivered them, across upserts", async () => {
    const { bot, socket } = await linked();
    // The first needs a mapping written to Postgres; the second nothing: taken in concurrently, the second would win.
    socket.upsert([incoming({ remoteJid: "201234567890999@lid", remoteJidAlt: "5215511113333@s.whatsapp.net", message: { conversation: "uno" } })]);
    socket.upsert([incoming({ remoteJid: "5215511113333@s.whatsapp.net", message: { conversation: "dos" } })]);
    socket.upsert([incoming({ remoteJid: "5215511113333@s.whatsapp.net", message: { conversation: "tres" } })]);
    const messages = await received(bot.botId, 3);
    expect(messages.map((m) => m.text)).toEqual(["uno", "dos", "tres"]);
  });

  it("keeps an unknown LID as a LID JID, never as a phone number", async () => {
    const { bot, socket } = await linked();
    socket.upsert([incoming({ remoteJid: "209999999999999@lid", message: { conversation: "¿precio?" } })]);
    const [entry] = await received(bot.botId, 1);
    expect(entry?.from).toBe("209999999999999@lid");
  });

  it("ignores groups, status updates and newsletters unless groups are enabled for the bot", async () => {
    const off = await linked();
    off.socket.upsert([
      incoming({ remoteJid: "120363025246125888@g.us", participant: "5215512345678@s.whatsapp.net", message: { conversation: "en el grupo" } }),
      incoming({ remoteJid: "status@broadcast", participant: "5215512345678@s.whatsapp.net", message: { conversation: "estado" } }),
      incoming({ remoteJid: "120363144038483540@newsletter", message: { conversation: "canal" } }),
      incoming({ remoteJid: "5215512345678@s.whatsapp.net", message: { conversation: "directo" } }),
    ]);
    await received(off.bot.botId, 1);
    await sleep(100);
    expect((await messagesOf(off.bot.botId)).map((m) => m.text)).toEqual(["directo"]);

    const on = await linked({ groups: "true" });
    on.socket.upsert([incoming({ remoteJid: "120363025246125888@g.us", participant: "201234567890123@lid", participantAlt: "5215512345678@s.whatsapp.net", message: { conversation: "en el grupo" } })]);
    const [entry] = await received(on.bot.botId, 1);
    expect(entry).toMatchObject({ from: "120363025246125888@g.us", text: "en el grupo" });
  });

  it("turns a reply the shop sent from its own phone into handoff.human_replied, not an inbound message", async () => {
    const { bot, sessions, socket } = await linked();
    const fromPhone = incoming({ remoteJid: "5215512340000@s.whatsapp.net", fromMe: true, message: { conversation: "Te atiendo yo" } });
    socket.upsert([fromPhone]);
    const event = await eventually(async () => (await f.events()).find((e) => e.type === "handoff.human_replied" && e.botId === bot.botId), 3000, "hand-off event");
    expect(event).toMatchObject({ source: "whatsapp-adapter", tenantId: bot.tenantId, contact: "5215512340000", attributes: { provider: "baileys", message_id: fromPhone.key.id } });

    // Our own send, echoed back by WhatsApp as fromMe, is not the shop's phone.
    const ours = await sessions.send(bot.botId, "5215512340000@s.whatsapp.net", { text: "Hola" }, { typingMs: 0 });
    socket.upsert([incoming({ id: ours, remoteJid: "5215512340000@s.whatsapp.net", fromMe: true, message: { conversation: "Hola" } })]);
    await sleep(150);
    expect((await f.events()).filter((e) => e.type === "handoff.human_replied" && e.botId === bot.botId)).toHaveLength(1);
    expect(await messagesOf(bot.botId)).toEqual([]);
  });

  it("normalises media with caption, location, contacts, button and list replies and reactions", async () => {
    const { bot, socket } = await linked();
    const jid = "5215512345600@s.whatsapp.net";
    socket.upsert([
      incoming({ remoteJid: jid, message: { imageMessage: { mimetype: "image/jpeg", caption: "¿Este modelo?", url: "https://mmg.whatsapp.net/x" } } }),
      incoming({ remoteJid: jid, message: { ephemeralMessage: { message: { documentMessage: { mimetype: "application/pdf", fileName: "pedido.pdf" } } } } }),
      incoming({ remoteJid: jid, message: { locationMessage: { degreesLatitude: 19.4326, degreesLongitude: -99.1332, name: "Zócalo", address: "CDMX" } } }),
      incoming({ remoteJid: jid, message: { contactMessage: { displayName: "Luis", vcard: "BEGIN:VCARD\nVERSION:3.0\nFN:Luis\nTEL;type=CELL;waid=5215599998888:+52 1 55 9999 8888\nEND:VCARD" } } }),
      incoming({ remoteJid: jid, message: { buttonsResponseMessage: { selectedButtonId: "size-42", selectedDisplayText: "42" } } }),
      incoming({ remoteJid: jid, message: { listResponseMessage: { title: "Rojo", singleSelectReply: { selectedRowId: "color-red" }, listType: proto.Message.ListResponseMessage.ListType.SINGLE_SELECT } } }),
      incoming({ remoteJid: jid, message: { reactionMessage: { key: { id: "3EB0AAAA", remoteJid: jid, fromMe: true }, text: "👍" } } }),
      incoming({ remoteJid: jid, message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.REVOKE } } }),
    ]);
    const messages = await received(bot.botId, 7);
    const shapes = messages.map(({ type, text, media, location, contacts, replyId, reaction }) => ({ type, text, media, location, contacts, replyId, reaction }));
    expect(shapes).toEqual([
      { type: "media", text: "¿Este modelo?", media: { kind: "image", mimeType: "image/jpeg", caption: "¿Este modelo?" } },
      { type: "media", media: { kind: "document", mimeType: "application/pdf", filename: "pedido.pdf" } },
      { type: "location", location: { latitude: 19.4326, longitude: -99.1332, name: "Zócalo", address: "CDMX" } },
      { type: "contacts", contacts: [{ name: "Luis", phones: ["+5215599998888"] }] },
      { type: "button_reply", text: "42", replyId: "size-42" },
      { type: "list_reply", text: "Rojo", replyId: "color-red" },
      { type: "reaction", reaction: { providerMessageId: "3EB0AAAA", emoji: "👍" } },
    ].map((shape) => ({ text: undefined, media: undefined, location: undefined, contacts: undefined, replyId: undefined, reaction: undefined, ...shape })));
  });

  it("reads a numbered answer to options offered as text as the chosen option", async () => {
    const { bot, socket } = await linked();
    await f.choices.remember(bot.botId, "5215512345601", { kind: "buttons", options: [{ id: "yes", title: "Sí" }, { id: "no", title: "No" }] });
    socket.upsert([incoming({ remoteJid: "5215512345601@s.whatsapp.net", message: { conversation: "2" } })]);
    const [entry] = await received(bot.botId, 1);
    expect(entry).toMatchObject({ type: "button_reply", replyId: "no", text: "2" });
  });

  it("logs no message content or phone numbers", async () => {
    const { bot, socket } = await linked();
    socket.upsert([incoming({ remoteJid: "5215512345699@s.whatsapp.net", message: { conversation: "mi dirección es Calle Falsa 123" } })]);
    await received(bot.botId, 1);
    const logged = JSON.stringify(f.logLines);
    expect(logged).not.toContain("Calle Falsa");
    expect(logged).not.toContain("5215512345699");
  });
});
