import { hasRole, type AuthContext } from '../http/auth.ts';

/**
 * Whether a sole trader's NPWP (which is their NIK) is shown in full: it is personal data not tied
 * to any one OPD's project (contractors are not scoped by OPD), so only inspector and admin see
 * it; everyone else, OPD staff included, sees it masked like any NIK (contract 2.8).
 */
export const seesContractorNik = (auth: AuthContext): boolean => hasRole(auth, 'inspector', 'admin');
