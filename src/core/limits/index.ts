/** Rate limits and budgets on a shared CounterStore, and the rules that pick them for a caller. */
export {
  type BudgetAlert,
  BudgetGuard,
  type BudgetGuardOptions,
  type BudgetPeriod,
  type BudgetRule,
  type BudgetScope,
  type BudgetStatus,
  formatUsd,
  type Reservation,
  windowBounds,
} from './budget-guard.ts';
export { checkIncrements } from './check-increments.ts';
export {
  type BudgetSettings,
  Governance,
  type GovernanceOptions,
  type GovernedCaller,
  type LimitSettings,
  type RefusalListener,
  type RequestAllowance,
  type StoreDownPolicy,
  UNLIMITED,
} from './governance.ts';
export {
  type RateDecision,
  RateLimiter,
  type RateLimiterOptions,
  type RateRule,
  type RateScope,
  rateLimitError,
  type WindowState,
} from './rate-limiter.ts';
