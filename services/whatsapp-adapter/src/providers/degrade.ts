// Rich content a provider cannot send (its capability table says so) becomes
// text that reads the same everywhere, and a numbered answer to that text
// comes back as the chosen option: a flow behaves identically on every
// provider. Buttons and list rows become "1. Title" lines; the contact may
// answer "2", "2️⃣", "2." or the option's title (case and accents ignored).
import { AppError } from "@fleet/service-kit";
import type { Capabilities, OutboundContent, ReplyOption } from "./provider.js";

export interface Degraded {
  content: OutboundContent;
  /** The options the text offers, in their numbers' order; empty when nothing was offered. */
  offered: ReplyOption[];
}

const KEYCAP = /[\uFE0F\u20E3]/g;
const KEYCAP_TEN = "\u{1F51F}";

/** Non-empty parts, one per line. */
function lines(...parts: (string | undefined)[]): string {
  return parts.filter((part): part is string => part !== undefined && part !== "").join("\n");
}

/** Non-empty paragraphs, separated by a blank line. */
function paragraphs(...parts: string[]): string {
  return parts.filter((part) => part !== "").join("\n\n");
}

function numbered(options: readonly ReplyOption[], start = 1): string[] {
  return options.map((option, index) => `${start + index}. ${option.title}${option.description ? ` — ${option.description}` : ""}`);
}

function mapsLink(latitude: number, longitude: number): string {
  return `https://maps.google.com/?q=${latitude},${longitude}`;
}

/** `content` as the provider can send it. Throws for a template a provider without templates cannot stand in for. */
export function degrade(content: OutboundContent, capabilities: Capabilities): Degraded {
  if (capabilities[content.type]) return { content, offered: [] };
  switch (content.type) {
    case "buttons":
      return { content: { type: "text", previewUrl: false, body: paragraphs(lines(content.header, content.body), numbered(content.buttons).join("\n"), content.footer ?? "") }, offered: content.buttons };
    case "list": {
      const rows = content.sections.flatMap((section) => section.rows);
      let next = 1;
      const sections = content.sections.map((section) => {
        const block = lines(content.sections.length > 1 ? section.title : undefined, ...numbered(section.rows, next));
        next += section.rows.length;
        return block;
      });
      return { content: { type: "text", previewUrl: false, body: paragraphs(lines(content.header, content.body), ...sections, content.footer ?? "") }, offered: rows };
    }
    case "location":
      return { content: { type: "text", previewUrl: true, body: lines(content.name, content.address, mapsLink(content.latitude, content.longitude)) }, offered: [] };
    case "contacts":
      return { content: { type: "text", previewUrl: false, body: content.contacts.map((card) => lines(card.name, ...card.phones)).join("\n\n") }, offered: [] };
    case "media":
      return { content: { type: "text", previewUrl: true, body: lines(content.caption, content.url) }, offered: [] };
    case "template":
      // A template's words live at the provider that approved it: nothing here can say them instead.
      throw new AppError("failed_precondition", "PROVIDER_CANNOT_SEND_TEMPLATES", "This provider cannot send template messages");
    case "text":
      throw new AppError("failed_precondition", "PROVIDER_CANNOT_SEND_TEXT", "This provider cannot send text");
  }
}

/** Lower case, accents and surrounding punctuation removed, inner spaces collapsed. */
function folded(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, "")
    .replace(/\s+/g, " ");
}

/** The option a text answer picks among `offered` (by number, keycap emoji or title), if any. */
export function choiceOf(text: string, offered: readonly ReplyOption[]): ReplyOption | undefined {
  const trimmed = text.trim();
  const digits = trimmed === KEYCAP_TEN ? "10" : trimmed.replace(KEYCAP, "").replace(/[.)]$/, "");
  if (/^\d{1,2}$/.test(digits)) return offered[Number(digits) - 1];
  const wanted = folded(trimmed);
  if (wanted === "") return undefined;
  return offered.find((option) => folded(option.title) === wanted);
}
