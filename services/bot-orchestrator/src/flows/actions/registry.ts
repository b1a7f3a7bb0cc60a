// The actions flows may call in production: each definition of the contract (definitions.ts) joined
// with its runner from the family files. Validation and activation need only the definitions
// (`actionDefinitions`); the engine's call runner needs the runnable actions (`createFlowActions`).
import type { z } from "zod";
import type { Logger } from "@fleet/service-kit";
import type { CommerceClient } from "../../clients/commerce.client.js";
import type { EventsRepository } from "../../repositories/events.repository.js";
import type { ReplySender } from "../../use-cases/handle-inbound.use-case.js";
import type { ActionDefinition, ActionRegistry, JsonValue } from "../language/index.js";
import type { ActionContext, RunnableAction, RunnableActions } from "../runtime/call-runner.js";
import { catalogueActions } from "./catalogue.actions.js";
import { customersActions } from "./customers.actions.js";
import { actionDefinitions as definitions, type ActionName } from "./definitions.js";
import { ordersActions } from "./orders.actions.js";
import { sellersActions } from "./sellers.actions.js";
import { shopActions } from "./shop.actions.js";
import { staffActions } from "./staff.actions.js";

/** What flow validation and activation check `action` steps against. */
export const actionDefinitions: ActionRegistry = definitions;

export interface FlowActionsDeps {
  commerce: CommerceClient;
  /** Sends a WhatsApp message from the bot to any number (the seller's) — ReplySender from src/use-cases/handle-inbound.use-case.ts. */
  sender: ReplySender;
  events: EventsRepository;
  conversations: ConversationControl;
  logger: Logger;
  now?: () => number;
}

export interface ConversationControl {
  /** Pauses the bot for that contact of this bot until `until` (epoch ms); false when it cannot (no flow). */
  pause(tenantId: string, botId: string, contact: string, until: number, by: string): Promise<boolean>;
  /** Hands the contact back to the bot; false when it was not paused. */
  resume(tenantId: string, botId: string, contact: string, by: string): Promise<boolean>;
  /** What staff sees: whether the contact has a conversation, where it waits, paused until when. */
  status(tenantId: string, botId: string, contact: string): Promise<{ exists: boolean; step: string | null; pausedUntil: number | null }>;
}

/** A definition with its runner; the input is parsed again here so the runner gets its typed shape without a cast. */
function join<S extends z.ZodType>(definition: ActionDefinition & { input: S }, run: (input: z.output<S>, context: ActionContext) => Promise<JsonValue>): RunnableAction {
  return { ...definition, run: (input, context) => run(definition.input.parse(input), context) };
}

export function createFlowActions(deps: FlowActionsDeps): RunnableActions {
  const runs = { ...customersActions(deps), ...sellersActions(deps), ...catalogueActions(deps), ...ordersActions(deps), ...shopActions(deps), ...staffActions(deps) };
  // One line per action of the contract: a definition without a runner does not compile.
  const actions: Record<ActionName, RunnableAction> = {
    "customers.identify": join(definitions["customers.identify"], runs["customers.identify"]),
    "sellers.alert": join(definitions["sellers.alert"], runs["sellers.alert"]),
    "sellers.release": join(definitions["sellers.release"], runs["sellers.release"]),
    "sellers.escalate": join(definitions["sellers.escalate"], runs["sellers.escalate"]),
    "catalogue.search": join(definitions["catalogue.search"], runs["catalogue.search"]),
    "catalogue.choose": join(definitions["catalogue.choose"], runs["catalogue.choose"]),
    "orders.create": join(definitions["orders.create"], runs["orders.create"]),
    "orders.list_mine": join(definitions["orders.list_mine"], runs["orders.list_mine"]),
    "shop.hours": join(definitions["shop.hours"], runs["shop.hours"]),
    "shop.info": join(definitions["shop.info"], runs["shop.info"]),
    "staff.command": join(definitions["staff.command"], runs["staff.command"]),
  };
  return actions;
}
