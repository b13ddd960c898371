// The policy's public surface: pure functions, no I/O, no clock.
export {
  CURRENT_POLICY_VERSION, LATEST_POLICY_VERSION, POLICY_ID, POLICY_VERSIONS, UnknownPolicyVersionError, evaluate, evaluateVersioned,
  paymentPeriod,
} from './evaluate.ts';
export type { VersionedInput } from './evaluate.ts';
export { approvalsFor } from './period.ts';
export { evaluateV2 } from './v2/evaluate.ts';
export type { PersonsMemo, PersonsPhase } from './v2/evaluate.ts';
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
export { checkedSet, checkedSetOf, checkedSpan } from './checked.ts';
export type { CheckedSet, RosterAssignment } from './checked.ts';
export { bestCoverage, coverageCodes, misfitCode } from './coverage.ts';
export type { FitContext } from './coverage.ts';
export { asMembership, v1FitContext, v1InputOf, v1Lookup } from './v1-input.ts';
export type { ProviderKind } from './v1-input.ts';
export type {
  AssignmentV2, CorrectionV2, CoveragePeriod, CoverageV2, PersonV2, PolicyInputV2, ProjectV2, RegistrationV2,
} from './v2/types.ts';
export { REASON_CODES } from './types.ts';
export type {
  IsoDate, Period, PolicyApproval, PolicyInput, ReasonParams, PolicyMembership, PolicyProject, PolicyReason, PolicyRegistration,
  PolicyResult, PolicyWorker, ReasonCode, ReasonWorker, Severity, WorkerOutcome, WorkerResult,
} from './types.ts';
