// Turns an instance event into a webhook delivery the way Evolution's WebhookController.emit
// does: only when the instance's webhook is enabled, subscribed to the event (names in
// UPPER_SNAKE, e.g. MESSAGES_UPSERT) and points at an http(s) URL; with byEvents the event is
// appended to the URL path ("/messages-upsert"); the envelope carries the instance token as
// `apikey` and the linked number's JID as `sender`.
import type { EvolutionInstance } from "./instance-registry.js";
import type { WebhookDelivery, WebhookDispatcher } from "./webhook-dispatcher.js";

export type EvolutionEvent =
  | "qrcode.updated"
  | "connection.update"
  | "messages.upsert"
  | "messages.update"
  | "send.message"
  | "contacts.upsert"
  | "contacts.update";

export interface EventPublisher {
  /** The delivery started, or undefined when the instance's webhook does not take this event. */
  publish(instance: EvolutionInstance, event: EvolutionEvent, data: unknown): WebhookDelivery | undefined;
}

export interface EventPublisherDeps {
  dispatcher: WebhookDispatcher;
  serverUrl: string;
  now: () => number;
  /** AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES: put the instance token in `apikey` (else null). */
  exposeApiKey: boolean;
}

export const eventSubscriptionName = (event: string): string => event.replace(/[.-]/g, "_").toUpperCase();

export function createEventPublisher(deps: EventPublisherDeps): EventPublisher {
  return {
    publish(instance, event, data) {
      const hook = instance.webhook;
      const subscription = eventSubscriptionName(event);
      if (hook === undefined || !hook.enabled || !hook.events.includes(subscription) || !/^https?:\/\//.test(hook.url)) return undefined;
      const url = hook.webhookByEvents ? `${hook.url}/${subscription.replace(/_/g, "-").toLowerCase()}` : hook.url;
      return deps.dispatcher.deliver({
        instance: instance.name,
        event,
        url,
        headers: hook.headers,
        payload: {
          event,
          instance: instance.name,
          data,
          destination: hook.url,
          date_time: localIsoTime(deps.now()),
          sender: instance.wuid,
          server_url: deps.serverUrl,
          apikey: deps.exposeApiKey ? instance.token : null,
        },
      });
    },
  };
}

/** Evolution shifts the clock by the server's UTC offset and still prints a "Z". */
function localIsoTime(nowMs: number): string {
  return new Date(nowMs - new Date(nowMs).getTimezoneOffset() * 60_000).toISOString();
}
