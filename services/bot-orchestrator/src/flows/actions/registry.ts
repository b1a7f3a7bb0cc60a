// The actions flows may call in production, by name: what `action` steps are checked against when a
// flow is validated or activated, and what the engine runs. Empty until the shop-conversations work
// registers the commerce, sellers and notifications actions; until then a flow with an action step
// does not activate (action_unknown), which is the honest answer while nothing could run it.
import type { RunnableActions } from "../runtime/call-runner.js";

export const flowActions: RunnableActions = {};
