// The message templates a number may send (approved in WhatsApp Manager), and the checks Graph
// applies to a template send: the name must exist in the requested language (132001) and the body
// must carry exactly the parameters the template declares (132000).
import { graphError, type GraphFailure } from "./graph-error.js";

export interface ApprovedTemplate {
  name: string;
  /** Language code as sent in template.language.code, e.g. "en_US", "pt_BR". */
  language: string;
  /** Number of {{n}} placeholders in the body. */
  bodyParams: number;
}

/** Every WABA starts with Meta's sample template. */
export const DEFAULT_TEMPLATES: readonly ApprovedTemplate[] = [{ name: "hello_world", language: "en_US", bodyParams: 0 }];

/** The part of a template send the catalog checks. */
export interface TemplateSend {
  name: string;
  language: { code: string };
  components?: ReadonlyArray<{ type: string; parameters?: readonly unknown[] }>;
}

export class TemplateCatalog {
  readonly #templates: ApprovedTemplate[];

  /** `templates` come in addition to hello_world/en_US. */
  constructor(templates: readonly ApprovedTemplate[] = []) {
    this.#templates = [...DEFAULT_TEMPLATES, ...templates];
  }

  list(): ApprovedTemplate[] {
    return this.#templates.map((t) => ({ ...t }));
  }

  /** The Graph error a send of `template` gets, or undefined when it may go out. */
  check(template: TemplateSend): GraphFailure | undefined {
    const approved = this.#templates.find((t) => t.name === template.name && t.language === template.language.code);
    if (approved === undefined) {
      return graphError(132001, { details: `template name (${template.name}) does not exist in ${template.language.code}` });
    }
    const given = (template.components ?? [])
      .filter((c) => c.type.toLowerCase() === "body")
      .reduce((n, c) => n + (c.parameters?.length ?? 0), 0);
    if (given !== approved.bodyParams) {
      return graphError(132000, { details: `body: number of localizable_params (${given}) does not match the expected number of params (${approved.bodyParams})` });
    }
    return undefined;
  }
}
