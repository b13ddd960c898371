// Who may do what with a disbursement decision: one place for every route and service that reads,
// voids or shows one. Someone who may not read a decision gets a 404, so its existence does not leak.
import { hasRole, type AuthContext } from '../http/auth.ts';
import { AppError } from '../http/problem.ts';

/** The parts of a decision its access rules look at. */
export interface DecisionOwnership {
  /** The token `sub` that requested it. */
  requestedBy: string;
  /** The OPD of its project. */
  opdCode: string;
}

/** Finance reads the decisions it requested, OPD staff their OPD's projects', inspector and admin all. */
export function canReadDecision(auth: AuthContext, d: DecisionOwnership): boolean {
  // Treasury (the Kuasa BUD) decides overrides for every finance client, so it reads every decision (masked).
  if (hasRole(auth, 'admin', 'inspector', 'treasury')) return true;
  if (hasRole(auth, 'finance') && d.requestedBy === auth.sub) return true;
  return hasRole(auth, 'opd') && auth.opd === d.opdCode;
}

/** Admin voids any decision; finance only those it requested. */
export const canVoidDecision = (auth: AuthContext, d: Pick<DecisionOwnership, 'requestedBy'>): boolean =>
  hasRole(auth, 'admin') || (hasRole(auth, 'finance') && d.requestedBy === auth.sub);

/**
 * Whether decisions, evidence and dry runs of a project show its workers' full NIKs and names:
 * its own OPD's staff, inspector and admin. Everyone else (finance above all) sees masked NIKs and
 * no names.
 */
export const seesWorkerIdentities = (auth: AuthContext, projectOpdCode: string): boolean =>
  hasRole(auth, 'admin', 'inspector') || (hasRole(auth, 'opd') && auth.opd === projectOpdCode);

/**
 * Which decisions a list may show the caller (canReadDecision as a filter): every one, or those
 * requested by `requestedBy` or of `opdCode`'s projects (either matching suffices); none when both are null.
 */
export type DecisionScope = { all: true } | { all: false; requestedBy: string | null; opdCode: string | null };

export function decisionScope(auth: AuthContext): DecisionScope {
  if (hasRole(auth, 'admin', 'inspector', 'treasury')) return { all: true };
  return {
    all: false,
    requestedBy: hasRole(auth, 'finance') ? auth.sub : null,
    opdCode: hasRole(auth, 'opd') && auth.opd ? auth.opd : null,
  };
}

export const decisionNotFound = (): AppError =>
  new AppError('NOT_FOUND', { detail: { id: 'Keputusan pencairan tidak ditemukan', en: 'Disbursement decision not found' } });
