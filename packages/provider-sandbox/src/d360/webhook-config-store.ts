// The webhook each number has configured at 360dialog (POST /v1/configs/webhook): where its
// customer messages and statuses go, with the headers to add to every call, since 360dialog does
// not sign webhooks.
export interface D360WebhookConfig {
  url: string;
  headers?: Readonly<Record<string, string>>;
}

export class D360WebhookConfigs {
  readonly #byNumber = new Map<string, D360WebhookConfig>();

  set(phoneNumberId: string, config: D360WebhookConfig): D360WebhookConfig {
    const stored = { url: config.url, ...(config.headers === undefined ? {} : { headers: { ...config.headers } }) };
    this.#byNumber.set(phoneNumberId, stored);
    return stored;
  }

  get(phoneNumberId: string): D360WebhookConfig | undefined {
    return this.#byNumber.get(phoneNumberId);
  }

  clear(): void {
    this.#byNumber.clear();
  }
}
