// Which fleet service may call which gRPC method: the one policy every gRPC server enforces on
// authenticated calls (see @fleet/grpc-bridge auth.ts). A method not listed here is refused to
// every caller, so a new RPC is closed until it is named. Keys are the generated services' type
// names and their methods' local names (as the generated descriptors spell them).
export type FleetCaller = "gateway" | "whatsapp-adapter" | "bot-orchestrator" | "analytics-worker";

const GATEWAY_ONLY = ["gateway"] as const satisfies readonly FleetCaller[];

export const GRPC_CALLERS = {
  "fleet.adapter.v1.AdapterService": {
    // The orchestrator's replies, the dashboard's manual messages, and a replica forwarding a send
    // to the replica that owns the bot's linked session.
    sendMessage: ["gateway", "bot-orchestrator", "whatsapp-adapter"],
    // A turn's replies in one call.
    sendMessages: ["bot-orchestrator"],
    getConnection: GATEWAY_ONLY,
    watchConnection: GATEWAY_ONLY,
    // Forwarded to the replica that owns the bot's linked session, like a send.
    requestPairingCode: ["gateway", "whatsapp-adapter"],
    configureBot: GATEWAY_ONLY,
    listBots: GATEWAY_ONLY,
    getBot: GATEWAY_ONLY,
    deleteBot: GATEWAY_ONLY,
    getMedia: GATEWAY_ONLY,
    setOutboundQuota: GATEWAY_ONLY,
    markRead: GATEWAY_ONLY,
    uploadMedia: GATEWAY_ONLY,
  },
  "fleet.orchestrator.v1.OrchestratorService": {
    createFlow: GATEWAY_ONLY,
    updateFlowDraft: GATEWAY_ONLY,
    validateFlow: GATEWAY_ONLY,
    activateFlowVersion: GATEWAY_ONLY,
    listFlows: GATEWAY_ONLY,
    getFlow: GATEWAY_ONLY,
    simulateConversation: GATEWAY_ONLY,
    getConversation: GATEWAY_ONLY,
    resetConversation: GATEWAY_ONLY,
    resumeConversation: GATEWAY_ONLY,
    pauseConversation: GATEWAY_ONLY,
    installDefaultFlows: GATEWAY_ONLY,
    getHttpSettings: GATEWAY_ONLY,
    setAllowedHosts: GATEWAY_ONLY,
    putSecret: GATEWAY_ONLY,
    deleteSecret: GATEWAY_ONLY,
  },
  // The shop's commerce, for the flows' actions only.
  "fleet.gateway.v1.CommerceService": {
    searchProducts: ["bot-orchestrator"],
    getProduct: ["bot-orchestrator"],
    upsertCustomer: ["bot-orchestrator"],
    createOrder: ["bot-orchestrator"],
    listCustomerOrders: ["bot-orchestrator"],
    assignSeller: ["bot-orchestrator"],
    releaseSeller: ["bot-orchestrator"],
    getBusinessHours: ["bot-orchestrator"],
    listSellersOnDuty: ["bot-orchestrator"],
    findStaffByPhone: ["bot-orchestrator"],
  },
  "fleet.analytics.v1.AnalyticsService": {
    listEvents: GATEWAY_ONLY,
  },
} as const satisfies Record<string, Record<string, readonly FleetCaller[]>>;
