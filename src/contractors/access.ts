import { hasRole, type AuthContext } from '../http/auth.ts';

/**
 * Whether a sole trader's NPWP (which is their NIK) is shown in full: OPD staff, inspector and
 * admin see it; finance sees it masked like any NIK. Contractors are not scoped by OPD.
 */
export const seesContractorNik = (auth: AuthContext): boolean => hasRole(auth, 'opd', 'inspector', 'admin');
