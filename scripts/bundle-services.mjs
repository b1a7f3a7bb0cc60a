#!/usr/bin/env node
// Bundles each service's entry (src/main.ts and everything it imports: its own modules, the
// workspace packages, their dependencies) into one file, dist/main.js, after `tsc -b` has
// type-checked and compiled the rest of dist/. Node then loads one module instead of resolving,
// reading and linking hundreds at every start (the services' cold start is mostly that). Kept
// outside the bundle: packages loaded on first use only (Baileys, Twilio's SDK, the API docs'
// Swagger UI, which also reads its own files; zxcvbn's dictionaries; the QR encoder), and optional
// add-ons their packages probe for. Each is a dependency of the service itself, so Node finds it
// beside dist/. MongoDB's driver, loaded lazily too, stays in: the worker loads it at start
// whenever MongoDB is configured, and from node_modules that takes ~190 ms.
//
// V8 holds a module's source text for the module's lifetime, so code a process may never run is
// not in the bundle. Not split into chunks: esbuild's chunk of a CommonJS package exports only
// `default`, where Node's import() gives its named exports too. Not minified: without whitespace
// (a quarter of the text, ~3 MiB per process) the shop flow's p95 latency was 1.3-8x worse and
// its CPU per message higher in each of 7 alternated runs (scripts/bench-pipeline.mjs --flow
// shop --rate 40); why was not found.
//
// The bundle is kept pure ASCII: V8 then holds its source text (kept for the module's lifetime)
// at one byte per character; a single character past Latin-1 makes it two bytes for all of it
// (~11 MiB instead of ~5.5 per service). esbuild escapes such characters in code (its ascii
// charset), not in the comments it keeps, which are escaped here.
//
//   node scripts/bundle-services.mjs   (part of `pnpm build`)
import { build } from "esbuild";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const SERVICES = ["gateway", "whatsapp-adapter", "bot-orchestrator", "analytics-worker"];
const EXTERNAL = [
  // Loaded with import() when first needed, and large: a bundle would hold their text for good.
  "@whiskeysockets/baileys",
  "twilio",
  "swagger-ui-express",
  "@zxcvbn-ts/core",
  "@zxcvbn-ts/language-common",
  "qrcode",
  // Optional add-ons pg, ws and mongodb try to load and do without.
  "pg-native",
  "bufferutil",
  "utf-8-validate",
  "kerberos",
  "snappy",
  "@mongodb-js/zstd",
  "@aws-sdk/credential-providers",
  "gcp-metadata",
  "socks",
  "aws4",
  "mongodb-client-encryption",
];

/**
 * pg asks at load whether it runs in a Cloudflare Worker: without a global `navigator` (Node 20
 * has none) it builds a `Response`, and that first touch makes Node load its whole fetch stack
 * (undici, with http2), which no service otherwise uses at start. The bundles only ever run on
 * Node, so pg's check reads a local `navigator` that says so.
 */
const pgOnNode = {
  name: "pg-on-node",
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async ({ path }) => ({
      contents: `const navigator = { userAgent: "Node.js" };\n${await readFile(path, "utf8")}`,
      loader: "js",
    }));
  },
};

/**
 * Code of dependencies that no service can reach, replaced with a few lines (~1 MB of each
 * bundle's ~5 MB, which V8 would otherwise parse at every start and hold for good):
 * - zod's messages in 40 languages: the services use its English default only (error codes are
 *   ours; zod's texts are only details), so `z.locales` holds `en` alone.
 * - iconv-lite's Chinese, Japanese and Korean tables, reached only through body-parser: the
 *   services' JSON bodies must be UTF-8 (body-parser refuses other charsets with 415), and a
 *   form body in such a charset now gets the same 415 ("unsupported charset") instead of being
 *   decoded.
 * - @grpc/proto-loader (with protobufjs): grpc-js loads it only to serve channelz or ORCA, which
 *   no service serves or asks for (the services' balancing is round_robin); in a bundle that path
 *   could not find its .proto files anyway. A call to it says so.
 */
const leaveOut = {
  name: "leave-out-unreachable",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: `export { default as en } from "./en.js";\n`, loader: "js" }));
    build.onLoad({ filter: /[\\/]iconv-lite[\\/]encodings[\\/]dbcs-data\.js$/ }, () => ({ contents: "module.exports = {};\n", loader: "js" }));
    build.onResolve({ filter: /^@grpc\/proto-loader$/ }, () => ({ path: "@grpc/proto-loader", namespace: "left-out" }));
    build.onLoad({ filter: /.*/, namespace: "left-out" }, ({ path }) => ({
      contents: `exports.loadSync = () => { throw new Error("${path} is not in this bundle (scripts/bundle-services.mjs)"); };\n`,
      loader: "js",
    }));
  },
};

await Promise.all(
  SERVICES.map((service) =>
    build({
      entryPoints: [`${root}services/${service}/src/main.ts`],
      outfile: `${root}services/${service}/dist/main.js`,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "linked",
      external: EXTERNAL,
      // CommonJS dependencies inside an ES module still call require() (for Node's own modules).
      banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
      charset: "ascii",
      logLevel: "warning",
      plugins: [pgOnNode, leaveOut],
      write: false,
    }).then(({ outputFiles }) =>
      Promise.all(outputFiles.map((file) => writeFile(file.path, file.path.endsWith(".js") ? asciiOnly(file.text) : file.contents))),
    ),
  ),
);

/** `text` with every character past ASCII written as a \u escape (only comments still hold any). */
function asciiOnly(text) {
  return text.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
