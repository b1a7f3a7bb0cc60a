// Media that customers send, served like Twilio serves it: the MediaUrl in the webhook needs the
// account's Basic credentials and answers with a redirect to a short-lived link that returns the
// bytes (Twilio redirects to a pre-signed CDN URL). Bounded, in memory.
import { randomBytes } from "node:crypto";
import { API_VERSION, newSid } from "./sids.js";

export interface StoredMedia {
  accountSid: string;
  messageSid: string;
  mediaSid: string;
  contentType: string;
  bytes: Buffer;
}

/** How long a download link stays valid. */
export const DOWNLOAD_LINK_TTL_MS = 5 * 60 * 1_000;

export function mediaPath(media: Pick<StoredMedia, "accountSid" | "messageSid" | "mediaSid">): string {
  return `/${API_VERSION}/Accounts/${media.accountSid}/Messages/${media.messageSid}/Media/${media.mediaSid}`;
}

export class TwilioMediaStore {
  readonly #media = new Map<string, StoredMedia>();
  readonly #links = new Map<string, { media: StoredMedia; expiresAt: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacity = 1_000,
  ) {}

  add(accountSid: string, messageSid: string, items: ReadonlyArray<{ contentType: string; bytes: Uint8Array }>): StoredMedia[] {
    const stored = items.map((item) => ({ accountSid, messageSid, mediaSid: newSid("ME"), contentType: item.contentType, bytes: Buffer.from(item.bytes) }));
    for (const media of stored) this.#media.set(mediaPath(media), media);
    // Maps iterate in insertion order: the oldest media go first.
    for (const oldest of this.#media.keys()) {
      if (this.#media.size <= this.capacity) break;
      this.#media.delete(oldest);
    }
    return stored;
  }

  get(accountSid: string, messageSid: string, mediaSid: string): StoredMedia | undefined {
    return this.#media.get(mediaPath({ accountSid, messageSid, mediaSid }));
  }

  /** A token for a link that serves the bytes without credentials until it expires. */
  issueLink(media: StoredMedia): string {
    const now = this.now();
    for (const [token, link] of this.#links) if (link.expiresAt <= now) this.#links.delete(token);
    const token = randomBytes(24).toString("base64url");
    this.#links.set(token, { media, expiresAt: now + DOWNLOAD_LINK_TTL_MS });
    return token;
  }

  byLink(token: string): StoredMedia | undefined {
    const link = this.#links.get(token);
    return link === undefined || link.expiresAt <= this.now() ? undefined : link.media;
  }
}
