// The Cloud API message body (Meta, and the BSPs that speak it such as
// 360dialog): one builder for every content type the capability table lets
// through, and the success answer's schema.
import { z } from "zod";
import type { ReplyOption, SendRequest } from "../provider.js";

export const CloudApiSuccessSchema = z.object({ messages: z.array(z.object({ id: z.string().min(1) }).loose()).min(1) }).loose();

const textPart = (text: string | undefined) => (text ? { text } : undefined);

function interactiveFrame(content: { body: string; header?: string; footer?: string }) {
  return {
    ...(content.header ? { header: { type: "text", text: content.header } } : {}),
    body: { text: content.body },
    ...(content.footer ? { footer: textPart(content.footer) } : {}),
  };
}

const row = (option: ReplyOption) => ({ id: option.id, title: option.title, ...(option.description ? { description: option.description } : {}) });

export function cloudApiMessage(request: SendRequest): Record<string, unknown> {
  const base = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: request.recipient,
    ...(request.replyToProviderMessageId ? { context: { message_id: request.replyToProviderMessageId } } : {}),
  };
  const { content } = request;
  switch (content.type) {
    case "text":
      return { ...base, type: "text", text: { body: content.body, preview_url: content.previewUrl } };
    case "media": {
      const media: Record<string, string> = content.uploaded ? { id: content.uploaded.mediaId } : { link: content.url ?? "" };
      if (content.caption && content.kind !== "audio" && content.kind !== "sticker") media.caption = content.caption;
      if (content.filename && content.kind === "document") media.filename = content.filename;
      return { ...base, type: content.kind, [content.kind]: media };
    }
    case "buttons":
      return {
        ...base,
        type: "interactive",
        interactive: { type: "button", ...interactiveFrame(content), action: { buttons: content.buttons.map((b) => ({ type: "reply", reply: { id: b.id, title: b.title } })) } },
      };
    case "list":
      return {
        ...base,
        type: "interactive",
        interactive: {
          type: "list",
          ...interactiveFrame(content),
          action: { button: content.button, sections: content.sections.map((s) => ({ ...(s.title ? { title: s.title } : {}), rows: s.rows.map(row) })) },
        },
      };
    case "template":
      return {
        ...base,
        type: "template",
        template: {
          name: content.name,
          language: { code: content.language },
          ...(content.parameters.length > 0 ? { components: [{ type: "body", parameters: content.parameters.map((text) => ({ type: "text", text })) }] } : {}),
        },
      };
    case "location":
      return { ...base, type: "location", location: { latitude: content.latitude, longitude: content.longitude, ...(content.name ? { name: content.name } : {}), ...(content.address ? { address: content.address } : {}) } };
    case "contacts":
      return {
        ...base,
        type: "contacts",
        contacts: content.contacts.map((card) => ({ name: { formatted_name: card.name, first_name: card.name }, phones: card.phones.map((phone) => ({ phone, type: "CELL" })) })),
      };
  }
}

/** The Cloud API body that marks a contact's message as read. */
export function cloudApiReadReceipt(providerMessageId: string): Record<string, unknown> {
  return { messaging_product: "whatsapp", status: "read", message_id: providerMessageId };
}
