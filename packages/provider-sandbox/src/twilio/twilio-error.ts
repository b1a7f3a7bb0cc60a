// Twilio's REST error envelope `{code, message, more_info, status}` and the codes the sandbox
// answers with, so every rejection has the shape the SDK turns into a RestException
// (see PROVIDERS.md, "Twilio WhatsApp"). Messages marked (?) in the catalog were not confirmed
// against the live API.

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export interface TwilioFailure {
  httpStatus: number;
  body: TwilioErrorBody;
}

/** Default message and HTTP status per code. */
const catalog: Readonly<Record<number, { message: string; httpStatus: number }>> = {
  20003: { message: "Authenticate", httpStatus: 401 },
  20404: { message: "The requested resource was not found", httpStatus: 404 },
  20429: { message: "Too Many Requests", httpStatus: 429 },
  20500: { message: "Internal Server Error", httpStatus: 500 },
  20503: { message: "Service Unavailable", httpStatus: 503 },
  21211: { message: "Invalid 'To' Phone Number", httpStatus: 400 },
  21602: { message: "Message body is required.", httpStatus: 400 },
  21603: { message: "A 'From' phone number is required.", httpStatus: 400 },
  21604: { message: "A 'To' phone number is required.", httpStatus: 400 },
  21609: { message: "Invalid StatusCallback url", httpStatus: 400 }, // (?)
  21617: { message: "The concatenated message body exceeds the 1600 character limit.", httpStatus: 400 },
  21620: { message: "Invalid media URL(s)", httpStatus: 400 }, // (?)
  21623: { message: "Number of media files exceeds allowed limit", httpStatus: 400 },
  21655: { message: "The ContentSid is Invalid", httpStatus: 400 },
  21656: { message: "The ContentVariables Parameter is invalid", httpStatus: 400 },
  21705: { message: "The Messaging Service Sid is invalid", httpStatus: 400 }, // (?)
  21910: { message: "Invalid From and To pair. From and To should be of the same channel", httpStatus: 400 }, // (?)
  30008: { message: "Unknown error", httpStatus: 400 },
  63007: { message: "Twilio could not find a Channel with the specified From address", httpStatus: 400 },
  63016: {
    message: "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.",
    httpStatus: 400,
  },
};

export function defaultHttpStatus(code: number): number {
  return catalog[code]?.httpStatus ?? 400;
}

export function errorMessage(code: number): string {
  return catalog[code]?.message ?? "Simulated error";
}

export function moreInfo(code: number): string {
  return `https://www.twilio.com/docs/errors/${code}`;
}

export function twilioError(code: number, opts: { message?: string; httpStatus?: number } = {}): TwilioFailure {
  const httpStatus = opts.httpStatus ?? defaultHttpStatus(code);
  return { httpStatus, body: { code, message: opts.message ?? errorMessage(code), more_info: moreInfo(code), status: httpStatus } };
}

/** 20404 naming the path, as Twilio words it for any unknown resource. */
export function notFoundError(path: string): TwilioFailure {
  return twilioError(20404, { message: `The requested resource ${path} was not found` });
}
