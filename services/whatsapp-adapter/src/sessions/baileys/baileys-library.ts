// The one place that loads @whiskeysockets/baileys. The library (with
// libsignal and WhatsApp's protobufs) costs a replica about 20 MiB of memory,
// so it is imported on first need — the first Baileys session this replica
// runs (its auth state, its socket, its inbound messages) — and never by a
// replica without a Baileys bot. Elsewhere only `import type` from the
// library is allowed (test/baileys-library.test.ts checks the sources).
import type * as Baileys from "@whiskeysockets/baileys";

export type BaileysLibrary = typeof Baileys;

let loading: Promise<BaileysLibrary> | null = null;
let loaded = false;

/** The library, imported once; a failed import is tried again on the next call. */
export function loadBaileys(): Promise<BaileysLibrary> {
  loading ??= import("@whiskeysockets/baileys").then(
    (library) => {
      loaded = true;
      return library;
    },
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/** Whether this process has imported the library yet. */
export function isBaileysLoaded(): boolean {
  return loaded;
}
