// A JSON body serialised ahead of time (e.g. kept by a cache): a route that answers one sends its
// text as it is, instead of serialising the same value again on every request.
export class JsonText {
  constructor(readonly text: string) {}

  static of(value: unknown): JsonText {
    return new JsonText(JSON.stringify(value));
  }
}
