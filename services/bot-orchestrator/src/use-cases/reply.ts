// The bot's answer to an inbound message. For now a fixed greeting that
// echoes the text; the flow engine replaces this with the tenant's flows.
import type { InboundMessage } from "@fleet/contracts";

export interface TextReply {
  text: string;
}

export function greetingReplies(message: InboundMessage): TextReply[] {
  const name = message.contactName ? ` ${message.contactName}` : "";
  const said = (message.text ?? "").slice(0, 3000);
  return [{ text: `Hello${name}! You said: "${said}"` }];
}
