// 360dialog's own error envelope, for what 360dialog answers itself (a bad API key, its webhook
// configuration endpoint); errors of the Cloud API calls it forwards keep Graph's shape. Field
// names are those of 360dialog's documented 40X answers: {meta:{success, http_code,
// developer_message, details?}}. The exact developer_message texts are not documented: they are
// kept here, in one place, so a confirmed wording is a one-line change.
export interface D360ErrorBody {
  meta: {
    success: false;
    http_code: number;
    developer_message: string;
    details?: string[];
  };
}

export interface D360Failure {
  httpStatus: number;
  body: D360ErrorBody;
}

export const D360_MESSAGES = {
  invalidApiKey: "Invalid api key",
  missingApiKey: "Missing api key",
  invalidRequest: "Invalid request",
  webhookNotSet: "Webhook url is not set",
  notFound: "Not found",
} as const;

export function d360Error(httpStatus: number, developerMessage: string, details?: readonly string[]): D360Failure {
  return {
    httpStatus,
    body: { meta: { success: false, http_code: httpStatus, developer_message: developerMessage, ...(details === undefined ? {} : { details: [...details] }) } },
  };
}
