// Plays Twilio's side after an accepted send: moves the message through its delivery statuses
// (queued → sent → delivered, or a failure with ErrorCode) and posts each one, signed, to the
// send's StatusCallback, in order and in the background. Failures to post are logged, never
// thrown: a dead callback must not break the send that caused it.
import type { Logger } from "../logger.js";
import { PendingWork } from "../shared/pending-work.js";
import type { TwilioAccounts } from "./accounts.js";
import type { TwilioAcceptedSend, TwilioMessageStatus, TwilioMessageStore } from "./message-store.js";
import { postTwilioWebhook } from "./signed-webhook.js";
import { API_VERSION } from "./sids.js";

export interface StatusStep {
  status: TwilioMessageStatus;
  errorCode?: number;
}

/** EventType Twilio adds for WhatsApp post-delivery events (seen on real callbacks; "failed" carries none (?)). */
const EVENT_TYPES: Partial<Record<TwilioMessageStatus, string>> = { delivered: "DELIVERED", read: "READ", undelivered: "UNDELIVERED" };

/**
 * The form Twilio posts for one status of a WhatsApp message, in the order captured from real
 * callbacks. ChannelToAddress arrives with its last four digits masked.
 */
export function buildTwilioStatusCallbackParams(
  send: Pick<TwilioAcceptedSend, "sid" | "accountSid" | "from" | "to" | "messagingServiceSid">,
  step: StatusStep,
  channelInstallSid: string,
): Record<string, string> {
  const eventType = EVENT_TYPES[step.status];
  return {
    ...(eventType === undefined ? {} : { EventType: eventType }),
    SmsSid: send.sid,
    SmsStatus: step.status,
    MessageStatus: step.status,
    ChannelToAddress: send.to.replace(/^whatsapp:/, "").replace(/\d{4}$/, "XXXX"),
    To: send.to,
    ChannelPrefix: "whatsapp",
    MessageSid: send.sid,
    AccountSid: send.accountSid,
    ...(step.status === "sent" ? { StructuredMessage: "false" } : {}),
    From: send.from,
    ApiVersion: API_VERSION,
    ChannelInstallSid: channelInstallSid,
    ...(send.messagingServiceSid === null ? {} : { MessagingServiceSid: send.messagingServiceSid }),
    ...(step.errorCode === undefined ? {} : { ErrorCode: String(step.errorCode) }),
  };
}

export interface StatusCallbacksDeps {
  store: TwilioMessageStore;
  accounts: TwilioAccounts;
  now: () => number;
  /** Wait before the first status, so statuses arrive after the send's response. */
  delayMs: number;
  logger: Logger;
}

export interface StatusCallbacks {
  /** Moves `send` through `steps` (updating the store) and posts each step to `send.statusCallback`, if any. */
  run(send: TwilioAcceptedSend, steps: readonly StatusStep[]): void;
  /** Resolves once every status started so far has been posted or has failed. */
  settled(): Promise<void>;
}

export function createStatusCallbacks(deps: StatusCallbacksDeps): StatusCallbacks {
  const work = new PendingWork();

  async function deliver(send: TwilioAcceptedSend, steps: readonly StatusStep[]): Promise<void> {
    // Always yield first: the send's answer is built from the record before any status moves it on.
    await new Promise((resolve) => setTimeout(resolve, deps.delayMs));
    const authToken = deps.accounts.tokenOf(send.accountSid);
    const sender = deps.accounts.hosted(send.from.replace(/^whatsapp:/, ""));
    for (const step of steps) {
      deps.store.updateStatus(send.sid, step.status, deps.now(), step.errorCode ?? null);
      if (send.statusCallback === undefined || authToken === undefined || sender === undefined) continue;
      try {
        const params = buildTwilioStatusCallbackParams(send, step, sender.channelInstallSid);
        const response = await postTwilioWebhook({ url: send.statusCallback, authToken, params });
        if (response.status >= 300) {
          deps.logger.warn("status callback not accepted", { messageSid: send.sid, status: step.status, httpStatus: response.status });
        }
      } catch (error) {
        deps.logger.error("status callback failed", { messageSid: send.sid, status: step.status, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  return {
    run(send, steps) {
      if (steps.length === 0) return;
      void work.track(deliver(send, steps));
    },
    settled: () => work.settled(),
  };
}
