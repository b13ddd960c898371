import type { AuthContext } from '../http/auth.ts';
import { hasRole } from '../http/auth.ts';
import { AppError } from '../http/problem.ts';

/**
 * OPD scoping: staff of one OPD see only their OPD's projects; finance, inspector and admin see
 * all. Another OPD's project is answered 404, never 403, so its existence does not leak.
 */
export function canSeeProject(auth: AuthContext, projectOpdCode: string): boolean {
  if (hasRole(auth, 'admin', 'inspector', 'finance', 'treasury')) return true;
  return hasRole(auth, 'opd') && auth.opd === projectOpdCode;
}

/**
 * Whose personal data (full NIKs and names of the roster) the caller may see: roles widen what a
 * token may do, never whose data it sees, so only `opd` of the project's own OPD, `inspector` and
 * `admin` qualify; `finance` held besides `opd` of another OPD adds nothing.
 */
export function seesPersonalDataOf(auth: AuthContext, projectOpdCode: string): boolean {
  return hasRole(auth, 'admin', 'inspector') || (hasRole(auth, 'opd') && auth.opd === projectOpdCode);
}

/** May change the project, its roster, or ask for verification: its own OPD's staff, or admin. */
export function canManageProject(auth: AuthContext, projectOpdCode: string): boolean {
  return hasRole(auth, 'admin') || (hasRole(auth, 'opd') && auth.opd === projectOpdCode);
}

export const projectNotFound = (): AppError =>
  new AppError('NOT_FOUND', { detail: { id: 'Paket pekerjaan tidak ditemukan', en: 'Project not found' } });

/** Throws the 404 unless the caller may see the project. */
export function assertVisible<T extends { opdCode: string }>(auth: AuthContext, project: T | null | undefined): T {
  if (!project || !canSeeProject(auth, project.opdCode)) throw projectNotFound();
  return project;
}

/** The one OPD whose projects a list may show the caller, or null when they see every OPD's. */
export function opdScope(auth: AuthContext): string | null {
  if (hasRole(auth, 'admin', 'inspector', 'finance', 'treasury')) return null;
  return auth.opd;
}
