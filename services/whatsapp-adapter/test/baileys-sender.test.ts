// What the Baileys sender gives the session: the fleet's content as Baileys
// message content, media URLs Baileys may fetch, recipients as JIDs, and the
// "typing…" time for a message.
import { describe, it, expect } from "@jest/globals";
import { AppError } from "@fleet/service-kit";
import { baileysContentOf, createBaileysSender, mediaUrlProblem, recipientJid } from "../src/providers/baileys/baileys.sender.js";
import { rejectionOf } from "./harness.js";

describe("Baileys content", () => {
  it("maps text, media by URL, location and contacts", () => {
    expect(baileysContentOf({ type: "text", body: "Hola", previewUrl: false }, false)).toEqual({ text: "Hola" });
    expect(baileysContentOf({ type: "media", kind: "image", url: "https://cdn.example.com/a.jpg", caption: "Modelo A" }, false)).toEqual({ image: { url: "https://cdn.example.com/a.jpg" }, caption: "Modelo A" });
    expect(baileysContentOf({ type: "media", kind: "document", url: "https://cdn.example.com/f.pdf", filename: "factura.pdf" }, false)).toEqual({
      document: { url: "https://cdn.example.com/f.pdf" },
      mimetype: "application/octet-stream",
      fileName: "factura.pdf",
    });
    expect(baileysContentOf({ type: "location", latitude: 19.43, longitude: -99.13, name: "Tienda" }, false)).toEqual({ location: { degreesLatitude: 19.43, degreesLongitude: -99.13, name: "Tienda" } });
    expect(baileysContentOf({ type: "contacts", contacts: [{ name: "Ventas", phones: ["+52 55 1234 5678"] }] }, false)).toEqual({
      contacts: { displayName: "Ventas", contacts: [{ displayName: "Ventas", vcard: "BEGIN:VCARD\nVERSION:3.0\nFN:Ventas\nTEL;type=CELL;type=VOICE;waid=525512345678:+525512345678\nEND:VCARD" }] },
    });
  });

  it("refuses what Baileys cannot send or must not fetch", () => {
    expect(() => baileysContentOf({ type: "buttons", body: "?", buttons: [{ id: "a", title: "A" }] }, false)).toThrow(AppError);
    expect(() => baileysContentOf({ type: "media", kind: "image", uploaded: { provider: "meta", mediaId: "1" } }, false)).toThrow(/by URL only/);
    expect(mediaUrlProblem("http://cdn.example.com/a.jpg", false)).toBe("media url must be https");
    for (const url of ["https://127.0.0.1/a", "https://10.0.0.8/a", "https://192.168.1.2/a", "https://169.254.169.254/latest", "https://[::1]/a", "https://localhost/a", "https://redis.internal/a"]) {
      expect(mediaUrlProblem(url, false)).toBe("media url must name a public host");
    }
    expect(mediaUrlProblem("https://cdn.example.com/a.jpg", false)).toBeNull();
  });

  it("addresses digits as phone JIDs and keeps JIDs as given", () => {
    expect(recipientJid("5215512345678")).toBe("5215512345678@s.whatsapp.net");
    expect(recipientJid("201234567890123@lid")).toBe("201234567890123@lid");
  });
});

describe("Baileys sender", () => {
  const sends: { botId: string; jid: string; typingMs: number }[] = [];
  const sender = (random: number, notHere = false) =>
    createBaileysSender({
      sessions: {
        has: () => !notHere,
        send: async (botId, jid, _content, { typingMs }) => {
          sends.push({ botId, jid, typingMs });
          return "3EB0ABC";
        },
      },
      typing: { msPerChar: 30, maxMs: 3000 },
      allowHttpMedia: false,
      notHere: async () => new AppError("unavailable", "BAILEYS_SESSION_ELSEWHERE", "elsewhere"),
      random: () => random,
    });

  it("types for a jittered time proportional to the text, capped by config and by the bot's setting", async () => {
    const text = (body: string) => ({ recipient: "5215512345678", botId: "bot-1", content: { type: "text" as const, body, previewUrl: false } });
    await sender(0.5).send({ settings: {}, secrets: {} }, text("x".repeat(20)), AbortSignal.timeout(1000));
    await sender(0).send({ settings: {}, secrets: {} }, text("x".repeat(20)), AbortSignal.timeout(1000));
    await sender(1).send({ settings: {}, secrets: {} }, text("x".repeat(20)), AbortSignal.timeout(1000));
    await sender(0.5).send({ settings: {}, secrets: {} }, text("x".repeat(1000)), AbortSignal.timeout(1000));
    await sender(0.5).send({ settings: { typing_max_ms: "500" }, secrets: {} }, text("x".repeat(1000)), AbortSignal.timeout(1000));
    await sender(0.5).send({ settings: { typing_max_ms: "0" }, secrets: {} }, text("x".repeat(1000)), AbortSignal.timeout(1000));
    expect(sends.map((s) => s.typingMs)).toEqual([600, 420, 780, 3000, 500, 0]);
    expect(sends[0]).toMatchObject({ botId: "bot-1", jid: "5215512345678@s.whatsapp.net" });
  });

  it("answers with the owner's error when the session runs elsewhere", async () => {
    const error = await rejectionOf(sender(0.5, true).send({ settings: {}, secrets: {} }, { recipient: "5215512345678", botId: "bot-1", content: { type: "text", body: "Hola", previewUrl: false } }, AbortSignal.timeout(1000)));
    expect(error.code).toBe("BAILEYS_SESSION_ELSEWHERE");
  });
});
