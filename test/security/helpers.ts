import { mintToken } from '../../src/auth-tokens.ts';
import type { TestApp } from '../helpers/app.ts';

/** A bearer header for a token holding several roles at once (the shared helper mints one role). */
export async function multiRoleAuth(t: TestApp, roles: string[], options: { opd?: string; sub?: string } = {}) {
  const token = await mintToken(t.testKeys.idpJwk, { sub: options.sub ?? `multi-${roles.join('-')}`, roles, ...(options.opd ? { opd: options.opd } : {}) }, {
    issuer: t.config.AUTH_ISSUER, audience: t.config.AUTH_AUDIENCE, rolesClaim: t.config.AUTH_ROLES_CLAIM, opdClaim: t.config.AUTH_OPD_CLAIM,
  });
  return { authorization: `Bearer ${token}` };
}
