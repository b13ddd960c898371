import { SignJWT, importJWK, type JWK } from 'jose';

export interface TokenClaims {
  sub: string;
  roles: string[];
  opd?: string;
}

function setPath(target: Record<string, unknown>, dotPath: string, value: unknown): void {
  const keys = dotPath.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = value;
}

/** Signs an access token the way an identity provider would, with claims at the configured paths. */
export async function mintToken(
  privateJwk: JWK,
  claims: TokenClaims,
  options: { issuer: string; audience: string; rolesClaim: string; opdClaim: string; ttlSeconds?: number },
): Promise<string> {
  const key = await importJWK(privateJwk, 'ES256');
  const payload: Record<string, unknown> = {};
  setPath(payload, options.rolesClaim, claims.roles);
  if (claims.opd) setPath(payload, options.opdClaim, claims.opd);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`)
    .sign(key);
}
