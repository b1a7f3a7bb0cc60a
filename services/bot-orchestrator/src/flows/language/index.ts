// The flow language's public surface, for the engine, the gRPC handlers and the gateway's editor.
export * from "./flow.schema.js";
export { flowJsonSchema, FLOW_JSON_SCHEMA_ID } from "./flow.json-schema.js";
export { validateFlow, type ActionDefinition, type ActionRegistry, type FlowProblem, type ValidateFlowOptions, type ValidateFlowResult } from "./validate-flow.js";
export { BUILT_IN_VARIABLES, RESERVED_VARIABLE_ROOTS, isBuiltInReference, type BuiltInVariable } from "./built-in-variables.js";
export { createKeywordMatcher, editDistance, matchKeyword, normalizeText, TYPO_MIN_WORD_LENGTH, type KeywordMatch, type KeywordMatcher, type KeywordMode } from "./keywords.js";
export { LOGIC_OPERATORS } from "./logic-check.js";
export { checkRegex } from "./regex-safety.js";
export { checkTemplate } from "./template-check.js";
export { WAITING_KINDS, INPUT_KINDS } from "./flow-graph.js";
