// Mustache templates: parsed (never run) to find syntax errors and the variables they read.
import Mustache from "mustache";

export type TemplateCheck = { ok: true; references: string[] } | { ok: false; code: "template_syntax" | "template_partial"; message: string };

export function checkTemplate(template: string): TemplateCheck {
  let tokens: unknown;
  try {
    // A writer per call: the module-level parse caches every template it sees, forever.
    tokens = new Mustache.Writer().parse(template);
  } catch (error) {
    return { ok: false, code: "template_syntax", message: `template does not parse: ${error instanceof Error ? error.message : String(error)}` };
  }
  const references: string[] = [];
  const problem = collect(tokens, references, false);
  return problem ?? { ok: true, references };
}

/** Strings in JSON values (action inputs, http bodies, set values) are templates too. */
export function hasTemplateTags(text: string): boolean {
  return text.includes("{{");
}

// Tokens are [type, value, start, end, children?, …]. Names inside a `#` section may be fields
// of the section's item, so only the section's own name is a reference there.
function collect(tokens: unknown, references: string[], insideSection: boolean): TemplateCheck | undefined {
  if (!Array.isArray(tokens)) return undefined;
  for (const token of tokens) {
    if (!Array.isArray(token)) continue;
    const [type, value, , , children] = token as unknown[];
    if (typeof type !== "string" || typeof value !== "string") continue;
    if (type === ">") return { ok: false, code: "template_partial", message: `partials ({{> ${value}}}) are not supported` };
    if ((type === "name" || type === "&" || type === "#" || type === "^") && !insideSection && value !== ".") references.push(value);
    if (type === "#" || type === "^") {
      const problem = collect(children, references, insideSection || type === "#");
      if (problem) return problem;
    }
  }
  return undefined;
}
