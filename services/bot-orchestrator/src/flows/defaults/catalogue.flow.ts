// The catalogue: the shop's catalogue (document or link), then a free-text product search with the
// top matches and the first one's image. Interest alerts the seller and 20 minutes later asks
// whether they were attended; a reply in between is a new search.
import type { FlowDocument } from "../language/index.js";
import { attendedSteps, choice, flowDocument, offer, toAdviser, toMenu, toOrder } from "./flow-parts.js";
import type { FlowTexts } from "./flow-texts.js";

export const CATALOGUE_FOLLOW_UP_SECONDS = 20 * 60;
/** catalogue.search takes a query of at most 200 characters. */
const QUERY_LENGTH = 200;

export function catalogueFlow(t: FlowTexts): FlowDocument {
  const whereNext = (text: string) =>
    offer(text, t, [choice("search_again", t.common.searchAgain, "ask"), choice("adviser", t.common.adviser, "to_adviser"), choice("menu", t.common.menu, "to_menu")]);
  return flowDocument("catalogue", t, "info", [], {
    // Without the shop's settings the search still works.
    info: { kind: "action", action: "shop.info", input: {}, resultVariable: "shop", next: "has_catalogue", onError: "ask" },
    has_catalogue: {
      kind: "decision",
      conditions: [
        { when: { "!": [{ var: "shop.has_catalogue" }] }, next: "no_catalogue" },
        { when: { "==": [{ var: "shop.catalogue_is_document" }, true] }, next: "send_document" },
      ],
      default: "send_link",
    },
    send_document: { kind: "media", mediaType: "document", url: "{{shop.catalogue_url}}", caption: t.catalogue.documentCaption, filename: t.catalogue.filename, next: "ask" },
    send_link: { kind: "message", text: t.catalogue.link, next: "ask" },
    no_catalogue: { kind: "message", text: t.catalogue.noCatalogue, next: "ask" },
    ask: {
      kind: "question",
      text: t.catalogue.ask,
      variable: "query",
      validation: { type: "text", minLength: 2, maxLength: QUERY_LENGTH },
      retryMessage: t.catalogue.askRetry,
      maxRetries: 2,
      onFail: "to_menu",
      next: "search",
    },
    // A reply during the follow-up wait is the new query (product words in it stay here: a wait takes free text).
    reply_query: { kind: "set", assignments: [{ variable: "query", expression: { substr: [{ var: "input.text" }, 0, QUERY_LENGTH] } }], next: "check_query" },
    check_query: { kind: "decision", conditions: [{ when: { missing: ["query"] }, next: "ask" }], default: "search" },
    search: { kind: "action", action: "catalogue.search", input: { query: "{{query}}", limit: 3, language: t.language }, resultVariable: "search", next: "found", onError: "search_failed" },
    found: { kind: "decision", conditions: [{ when: { ">": [{ var: "search.count" }, 0] }, next: "results" }], default: "none" },
    results: { kind: "message", text: t.catalogue.results, next: "top_has_image" },
    top_has_image: { kind: "decision", conditions: [{ when: { "!!": [{ var: "search.top.image" }] }, next: "top_image" }], default: "interest" },
    top_image: { kind: "media", mediaType: "image", url: "{{search.top.image}}", caption: t.catalogue.topCaption, next: "interest" },
    interest: offer(t.common.whatNext, t, [
      choice("interested", t.catalogue.interested, "interest_alert"),
      choice("order", t.common.order, "to_order"),
      choice("search_again", t.common.searchAgain, "ask"),
    ]),
    interest_alert: {
      kind: "action",
      action: "sellers.alert",
      input: { reason: "catalogue_interest", note: "{{search.top.name}}", language: t.language },
      resultVariable: "alert",
      next: "interest_told",
      onError: "interest_failed",
    },
    interest_told: { kind: "message", text: t.catalogue.interestTold, next: "follow_up" },
    follow_up: { kind: "wait", seconds: CATALOGUE_FOLLOW_UP_SECONDS, next: "attended", onReply: "reply_query" },
    ...attendedSteps(t, { reason: "catalogue_interest", alertAgain: true, note: "{{search.top.name}}" }),
    interest_failed: offer(t.catalogue.interestFailed, t, [
      choice("order", t.common.order, "to_order"),
      choice("search_again", t.common.searchAgain, "ask"),
      choice("menu", t.common.menu, "to_menu"),
    ]),
    none: whereNext(t.common.noResults),
    search_failed: whereNext(t.common.searchFailed),
    to_adviser: toAdviser,
    to_order: toOrder,
    to_menu: toMenu,
  });
}
