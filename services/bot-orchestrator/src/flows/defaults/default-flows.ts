// The flow set every new shop starts with, in its language: the main flow (welcome and menu) and
// the subflows it enters. They are ordinary flow documents the shop can edit from the dashboard;
// the orchestrator only provides the actions they call.
import type { Language } from "../actions/definitions.js";
import type { FlowDocument } from "../language/index.js";
import { adviserFlow } from "./adviser.flow.js";
import { catalogueFlow } from "./catalogue.flow.js";
import type { FlowTexts } from "./flow-texts.js";
import { hoursFlow } from "./hours.flow.js";
import { myOrdersFlow } from "./my-orders.flow.js";
import { orderFlow } from "./order.flow.js";
import { problemFlow } from "./problem.flow.js";
import { productsFlow } from "./products.flow.js";
import { textsEn } from "./texts.en.js";
import { textsEs } from "./texts.es.js";
import { welcomeFlow } from "./welcome.flow.js";

export { DEFAULT_FLOW_IDS, MAIN_FLOW_ID, type DefaultFlowId } from "./flow-parts.js";

export const DEFAULT_FLOW_TEXTS: Readonly<Record<Language, FlowTexts>> = { es: textsEs, en: textsEn };

export interface DefaultFlowSet {
  /** The bot's main flow: its triggers start conversations and its global intents apply everywhere. */
  main: FlowDocument;
  /** Entered with `goto {flow}`, by document id. */
  subflows: FlowDocument[];
}

/** Fresh documents on every call: the caller may store or change them. */
export function defaultFlowSet(language: Language): DefaultFlowSet {
  const t = DEFAULT_FLOW_TEXTS[language];
  return {
    main: welcomeFlow(t),
    subflows: [adviserFlow(t), catalogueFlow(t), orderFlow(t), myOrdersFlow(t), hoursFlow(t), problemFlow(t), productsFlow(t)],
  };
}
