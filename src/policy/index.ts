// The policy's public surface: pure functions, no I/O, no clock.
export { CURRENT_POLICY_VERSION, POLICY_ID, POLICY_VERSIONS, UnknownPolicyVersionError, evaluate, paymentPeriod } from './evaluate.ts';
export { addDays, isIsoDate, toDayNumber, fromDayNumber } from './dates.ts';
export { luhnCheckDigit, maskNik, NIK_PROVINCE_CODES, validateKpj, validateNib, validateNik, validateNpwp } from './identifiers.ts';
export type { IdentifierResult } from './identifiers.ts';
export { explainReason, identifierMessage, reasonMessage } from './messages.ts';
export type { IdentifierRule, Lang, MessageParams } from './messages.ts';
export { computePremium, MAX_MONEY, parseVatHundredths, requiredPremium } from './premium.ts';
export type { Premium } from './premium.ts';
export {
  applyCorrection, applyDateChange, recordedEnd, recordedSpanOverlaps, recordedStart, recordSpanChange, removeAssignment,
} from './recorded-span.ts';
export type { AssignmentDates, Correction, DateChange, Removal } from './recorded-span.ts';
export { addWorkingDays, holidaySet, holidaysOfYears, isWorkingDay, weekday, workingDaysBetween, yearsOf } from './working-days.ts';
export type { HolidaySet } from './working-days.ts';
export { REASON_CODES } from './types.ts';
export type {
  IsoDate, Period, PolicyApproval, PolicyInput, PolicyMembership, PolicyProject, PolicyReason, PolicyRegistration,
  PolicyResult, PolicyWorker, ReasonCode, ReasonWorker, Severity, WorkerOutcome, WorkerResult,
} from './types.ts';
