// Unit tests of Evolution's number → JID rules and of reading the device from a message id.
import { describe, it, expect } from "@jest/globals";
import { createJid, deviceOf, newOutgoingMessageId, newPhoneMessageId } from "./jid.js";

describe("createJid", () => {
  it.each([
    ["+55 (11) 98765-4321", "5511987654321@s.whatsapp.net"],
    ["5531987654321", "553187654321@s.whatsapp.net"],
    ["5531965432100", "5531965432100@s.whatsapp.net"],
    ["5521987654321", "5521987654321@s.whatsapp.net"],
    ["5215512345678", "525512345678@s.whatsapp.net"],
    ["5491112345678", "541112345678@s.whatsapp.net"],
    ["14155550123", "14155550123@s.whatsapp.net"],
    ["5511987654321:12@s.whatsapp.net", "5511987654321@s.whatsapp.net"],
    ["174788123316419@lid", "174788123316419@lid"],
    ["120363025246125244@g.us", "120363025246125244@g.us"],
    ["120363025246125244", "120363025246125244@g.us"],
  ])("%s → %s", (input, jid) => {
    expect(createJid(input)).toBe(jid);
  });
});

describe("message ids", () => {
  it("reads the sending device from the id's shape, as Baileys' getDevice", () => {
    expect(deviceOf(newOutgoingMessageId())).toBe("web");
    expect(deviceOf(newPhoneMessageId("android"))).toBe("android");
    expect(deviceOf(newPhoneMessageId("ios"))).toBe("ios");
    expect(deviceOf("3F1234")).toBe("desktop");
    expect(deviceOf("3EB08EE80DB4E276AFE85B83CCE531B53AF65F4B")).toBe("unknown");
  });
});
