/**
 * Routing (send simple requests to a cheaper model, by configurable rules) and query expansion for
 * retrieval (paraphrases of a search query from a language model, cached).
 */

export { parseVariants } from './parse-variants.ts';
export {
  createQueryExpander,
  type QueryExpander,
  type QueryExpanderOptions,
  type QueryExpansion,
} from './query-expander.ts';
export { describeCall, type RouteDecision, type RoutingRequest, routeModel } from './route-model.ts';
export { createRoutingModel, type RoutingModelOptions } from './routing-model.ts';
export {
  type CompiledRule,
  compileRoutingRules,
  type RoutingCondition,
  type RoutingRule,
} from './routing-rules.ts';
