// Message ids shaped like Meta's: "wamid." + base64 of a small binary record that embeds the
// counterpart's number and a random hex key, so ids look and sort like production ones.
import { randomBytes } from "node:crypto";

export function digitsOf(phone: string): string {
  return phone.replace(/\D/g, "");
}

export function newWamid(counterpartPhone: string): string {
  const digits = Buffer.from(digitsOf(counterpartPhone), "ascii");
  const key = Buffer.from(randomBytes(9).toString("hex").toUpperCase(), "ascii");
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, digits.length]),
    digits,
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, key.length]),
    key,
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString("base64")}`;
}
