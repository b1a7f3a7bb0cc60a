// A JSON body serialised ahead of time (e.g. kept by a cache): a route that answers one sends it
// as it is, instead of serialising the same value again on every request — and, once sent, as the
// UTF-8 bytes encoded the first time, so a page read a thousand times is encoded once.
export class JsonText {
  #bytes: Buffer | undefined;

  constructor(readonly text: string) {}

  static of(value: unknown): JsonText {
    return new JsonText(JSON.stringify(value));
  }

  /** The text in UTF-8, encoded on first use. */
  get bytes(): Buffer {
    this.#bytes ??= Buffer.from(this.text, "utf8");
    return this.#bytes;
  }
}
