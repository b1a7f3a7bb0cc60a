// Media "WhatsApp" holds: files a business uploaded and files customers sent, each owned by one
// business number, in memory and bounded. Also signs the short-lived download links handed out
// by GET /{media-id}, shaped like Meta's lookaside links (?mid=…&ext=<expiry>&hash=…).
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";

export interface StoredMedia {
  /** Numeric string, like Meta's media ids. */
  id: string;
  /** The business number that uploaded it or received it from a customer. */
  phoneNumberId: string;
  bytes: Buffer;
  mimeType: string;
  /** Hex SHA-256 of the bytes, as GET /{media-id} answers it. */
  sha256: string;
  fileSize: number;
  filename?: string;
  /** Epoch ms. */
  storedAt: number;
}

export interface NewMedia {
  phoneNumberId: string;
  bytes: Uint8Array;
  mimeType: string;
  filename?: string;
}

export interface DownloadQuery {
  mid: string;
  /** Unix seconds after which the link no longer works. */
  ext: string;
  hash: string;
}

export type DownloadCheck = { ok: true; media: StoredMedia } | { ok: false; reason: "expired" | "not-found" };

/** How long a download link from GET /{media-id} works: about five minutes, as Meta documents. */
export const MEDIA_URL_TTL_MS = 5 * 60_000;

export class MediaStore {
  readonly #media = new Map<string, StoredMedia>();
  readonly #secret = randomBytes(32);

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacity = 1_000,
  ) {}

  add(input: NewMedia): StoredMedia {
    const bytes = Buffer.from(input.bytes);
    const media: StoredMedia = {
      id: newMediaId(),
      phoneNumberId: input.phoneNumberId,
      bytes,
      mimeType: input.mimeType,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      fileSize: bytes.length,
      filename: input.filename,
      storedAt: this.now(),
    };
    this.#media.set(media.id, media);
    // Maps iterate in insertion order: the first key is the oldest.
    for (const id of this.#media.keys()) {
      if (this.#media.size <= this.capacity) break;
      this.#media.delete(id);
    }
    return media;
  }

  get(id: string): StoredMedia | undefined {
    return this.#media.get(id);
  }

  delete(id: string): boolean {
    return this.#media.delete(id);
  }

  list(): StoredMedia[] {
    return [...this.#media.values()];
  }

  clear(): void {
    this.#media.clear();
  }

  /** Query string of a download link for `id`, valid for MEDIA_URL_TTL_MS from now. */
  downloadQuery(id: string): string {
    const ext = String(Math.floor((this.now() + MEDIA_URL_TTL_MS) / 1000));
    return new URLSearchParams({ mid: id, ext, hash: this.#sign(id, ext) }).toString();
  }

  checkDownload(query: Partial<DownloadQuery>): DownloadCheck {
    const { mid, ext, hash } = query;
    if (mid === undefined || ext === undefined || hash === undefined || !/^\d+$/.test(ext)) return { ok: false, reason: "not-found" };
    const expected = Buffer.from(this.#sign(mid, ext));
    const given = Buffer.from(hash);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "not-found" };
    if (Number(ext) * 1000 < this.now()) return { ok: false, reason: "expired" };
    const media = this.#media.get(mid);
    return media === undefined ? { ok: false, reason: "not-found" } : { ok: true, media };
  }

  #sign(id: string, ext: string): string {
    return createHmac("sha256", this.#secret).update(`${id}:${ext}`).digest("base64url");
  }
}

function newMediaId(): string {
  return `${randomInt(1, 10)}${Array.from({ length: 15 }, () => randomInt(0, 10)).join("")}`;
}
