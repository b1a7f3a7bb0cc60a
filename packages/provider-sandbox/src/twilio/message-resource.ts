// The Message resource JSON of the 2010-04-01 API, as Twilio returns it on create (201) and
// fetch: fields in Twilio's order, counts as strings, dates in RFC 2822, `uri` relative to the
// API host.
import type { TwilioAcceptedSend } from "./message-store.js";
import { API_VERSION, rfc2822 } from "./sids.js";

export interface TwilioMessageResource {
  account_sid: string;
  api_version: string;
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: "outbound-api";
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string;
  messaging_service_sid: string | null;
  sid: string;
  status: string;
  subresource_uris: { media: string };
  to: string;
  uri: string;
}

export function messagePath(accountSid: string, sid: string): string {
  return `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}`;
}

/**
 * `fromHidden`: a send that named only a Messaging Service answers `from: null` (the sender is
 * picked after the request is accepted).
 */
export function toTwilioMessageResource(send: TwilioAcceptedSend, opts: { fromHidden?: boolean } = {}): TwilioMessageResource {
  const path = messagePath(send.accountSid, send.sid);
  return {
    account_sid: send.accountSid,
    api_version: API_VERSION,
    body: send.body,
    date_created: rfc2822(send.dateCreated),
    date_sent: send.dateSent === null ? null : rfc2822(send.dateSent),
    date_updated: rfc2822(send.dateUpdated),
    direction: "outbound-api",
    error_code: send.errorCode,
    error_message: null,
    from: opts.fromHidden === true ? null : send.from,
    num_media: String(send.mediaUrls.length),
    // Twilio documents num_segments as always "0" in the answer to a send through a Messaging Service.
    num_segments: send.messagingServiceSid === null ? "1" : "0",
    price: null,
    price_unit: "USD",
    messaging_service_sid: send.messagingServiceSid,
    sid: send.sid,
    status: send.status,
    subresource_uris: { media: `${path}/Media.json` },
    to: send.to,
    uri: `${path}.json`,
  };
}
