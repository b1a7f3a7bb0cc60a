// Everything a customer reads in the default flows, per language. The flow builders take one of
// these and produce the same structure in every language; only the words change. Texts are
// mustache templates over the variables the flows set (see each builder for which).
import type { Language } from "../actions/definitions.js";
import type { DefaultFlowId } from "./flow-parts.js";

/** A button or list row: its title and other words that choose it. */
export interface ChoiceText {
  /** ≤ 20 characters on a button, ≤ 24 on a list row. */
  title: string;
  /** At most 10, each ≤ 60 characters (matched like keywords: case, accents, one typo). */
  synonyms: readonly string[];
}

export interface MenuRowText extends ChoiceText {
  /** ≤ 72 characters. */
  description: string;
}

export interface FlowTexts {
  language: Language;
  flows: Readonly<Record<DefaultFlowId, { name: string; description: string }>>;
  keywords: {
    /** Start the welcome when no conversation runs. */
    greetings: readonly string[];
    /** Go to the menu from any step that waits. */
    menu: readonly string[];
    /** Whole words that open the product view; the shop edits this list. */
    products: readonly string[];
  };
  common: {
    /** Retry text of buttons: the customer typed something that is none of them. */
    pickOption: string;
    whatNext: string;
    anythingElse: string;
    adviser: ChoiceText;
    menu: ChoiceText;
    searchAgain: ChoiceText;
    order: ChoiceText;
    /** Reads `query`. */
    noResults: string;
    searchFailed: string;
  };
  /** The "were you attended?" follow-up after a hand-off or a seller alert. */
  attended: {
    question: string;
    yes: ChoiceText;
    no: ChoiceText;
    thanks: string;
    supervisorNotified: string;
    nobodyAvailable: string;
  };
  welcome: {
    /** Reads contact.first_name and tenant.name, either of which may be empty. */
    greeting: string;
    menu: string;
    menuButton: string;
    /** The menu again after an answer it cannot use. */
    menuRetry: string;
    notUnderstood: string;
    rows: { adviser: MenuRowText; catalogue: MenuRowText; myOrders: MenuRowText; hours: MenuRowText; problem: MenuRowText };
  };
  adviser: {
    /** Reads alert.seller.name and alert.seller.wa_link. */
    assigned: string;
    /** Reads hours.summary and hours.schedule. */
    noSellerWithHours: string;
    noSeller: string;
  };
  catalogue: {
    documentCaption: string;
    /** The name the catalogue document is sent with. */
    filename: string;
    /** Reads shop.catalogue_url. */
    link: string;
    noCatalogue: string;
    ask: string;
    askRetry: string;
    /** Reads query and search.products. */
    results: string;
    /** Reads search.top. */
    topCaption: string;
    interested: ChoiceText;
    /** Reads alert.seller and search.top. */
    interestTold: string;
    interestFailed: string;
  };
  order: {
    askProduct: string;
    askProductRetry: string;
    /** Reads search.products. */
    choose: string;
    chooseRetry: string;
    choiceInvalid: string;
    /** Reads product. */
    quantity: string;
    quantityRetry: string;
    deliveryQuestion: string;
    delivery: ChoiceText;
    pickup: ChoiceText;
    deliveryLabel: string;
    pickupLabel: string;
    address: string;
    addressRetry: string;
    /** Reads product, quantity, delivery_label and address. */
    summary: string;
    confirm: ChoiceText;
    cancel: ChoiceText;
    /** Reads order. */
    created: string;
    done: string;
    /** Reads product. */
    outOfStock: string;
    alternatives: string;
    noAlternatives: string;
    failed: string;
    cancelled: string;
  };
  myOrders: {
    /** Reads mine.orders. */
    list: string;
    none: string;
    failed: string;
  };
  hours: {
    /** Reads hours.summary and hours.schedule. */
    show: string;
    failed: string;
  };
  problem: {
    ask: string;
    askRetry: string;
    /** Reads alert.seller. */
    alerted: string;
  };
  products: {
    /** Reads search.top. */
    topCaption: string;
    top: string;
    /** Reads related (the matches after the first). */
    related: string;
    /** Reads input.text. */
    none: string;
    failed: string;
  };
}
