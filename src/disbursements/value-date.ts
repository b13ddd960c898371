import { validationFailed } from '../http/problem.ts';

/**
 * Contract 2.8: a payment valued more than a year after the maintenance period (or the work) ended
 * is a typo, not a plan; the limit itself comes with the decision inputs (migration 0014).
 */
export const valueDateTooLate = (limit: string) =>
  validationFailed([{ path: 'valueDate', message: `must not be later than ${limit} (the project's maintenance end, or its end, plus 365 days)` }]);
