// The Keycloak realm shipped in docker/ (README, "Keycloak"), checked as data against the service's
// own configuration schema and token verifier: Keycloak cannot run here, so the test builds the
// access token that the realm's mappers produce and has the service's verifier read it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { redirectUri } from '../src/dashboard/oidc.ts';
import { createTokenVerifier, ROLES } from '../src/http/auth.ts';
import { opdCodeSchema } from '../src/opds/schemas.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

interface Mapper { protocolMapper: string; config: Record<string, string> }
interface Client {
  clientId: string; publicClient?: boolean; standardFlowEnabled?: boolean; implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean; serviceAccountsEnabled?: boolean; redirectUris?: string[];
  attributes?: Record<string, string>; defaultClientScopes?: string[]; protocolMappers?: Mapper[];
}
interface User { username: string; serviceAccountClientId?: string; realmRoles?: string[]; attributes?: Record<string, string[]>; credentials?: { temporary?: boolean }[] }
interface Realm {
  realm: string; enabled: boolean; sslRequired: string;
  roles: { realm: { name: string }[] };
  clients: Client[]; users: User[];
  components: Record<string, { providerId: string; config: Record<string, string[]> }[]>;
}

const realm = JSON.parse(read('docker/keycloak/gerbang-realm.json')) as Realm;
const envFile = Object.fromEntries(
  read('docker/keycloak/gerbang.env').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const config = loadConfig(envFile);
const compose = parse(read('docker-compose.yml')) as { services: Record<string, { profiles?: string[]; image?: string; command?: string[]; environment?: Record<string, string>; volumes?: string[]; ports?: string[] }> };
const client = (id: string): Client => {
  const found = realm.clients.find((c) => c.clientId === id);
  if (!found) throw new Error(`no client ${id}`);
  return found;
};
const mappers = (c: Client, kind: string) => (c.protocolMappers ?? []).filter((m) => m.protocolMapper === kind);
const tokenClients = [config.DASHBOARD_CLIENT_ID as string, 'bpkad-finance'];

describe('docker/keycloak/gerbang-realm.json', () => {
  it('defines every role the service knows, treasury and witness included, and no other', () => {
    const names = realm.roles.realm.map((r) => r.name).sort();
    for (const role of [...ROLES, 'treasury', 'witness']) expect(names, role).toContain(role);
    expect(names).toEqual([...new Set([...ROLES, 'treasury', 'witness'])].sort());
    expect(realm.enabled).toBe(true);
    expect(realm.sslRequired).not.toBe('none');
  });

  it('is what the service env file points at: issuer and JWKS URL of this realm on the compose Keycloak', () => {
    const kc = compose.services.keycloak;
    expect(kc?.profiles).toEqual(['keycloak']);
    expect(kc?.image).toMatch(/^quay\.io\/keycloak\/keycloak:\d+/);
    expect(kc?.command).toEqual(['start-dev', '--import-realm']);
    expect(kc?.volumes).toContain('./docker/keycloak/gerbang-realm.json:/opt/keycloak/data/import/gerbang-realm.json:ro');
    expect(kc?.ports).toContain('127.0.0.1:8080:8080');
    const issuer = `${kc?.environment?.KC_HOSTNAME}/realms/${realm.realm}`;
    expect(config.AUTH_ISSUER).toBe(issuer);
    expect(config.AUTH_JWKS_URL).toBe(`${issuer}/protocol/openid-connect/certs`);
    // The default stack does not start Keycloak.
    expect(compose.services.gerbang?.profiles).toBeUndefined();
  });

  it('puts the audience the service requires into the access tokens of every client that gets one', () => {
    expect(client(config.AUTH_AUDIENCE).standardFlowEnabled).toBe(false);
    expect(client(config.AUTH_AUDIENCE).serviceAccountsEnabled).toBe(false);
    for (const id of tokenClients) {
      const [audience] = mappers(client(id), 'oidc-audience-mapper');
      expect(audience?.config['included.client.audience'], id).toBe(config.AUTH_AUDIENCE);
      expect(audience?.config['access.token.claim'], id).toBe('true');
      // Realm roles reach realm_access.roles through Keycloak's built-in `roles` scope.
      expect(client(id).defaultClientScopes, id).toContain('roles');
    }
    expect(config.AUTH_ROLES_CLAIM).toBe('realm_access.roles');
  });

  it('maps the user attribute opd to the OPD claim, an attribute only an admin may set, in the service\'s code format', () => {
    const [opd] = mappers(client(config.DASHBOARD_CLIENT_ID as string), 'oidc-usermodel-attribute-mapper');
    expect(opd?.config).toMatchObject({ 'user.attribute': 'opd', 'claim.name': config.AUTH_OPD_CLAIM, 'access.token.claim': 'true', multivalued: 'false' });
    const profile = JSON.parse(realm.components['org.keycloak.userprofile.UserProfileProvider']?.[0]?.config['kc.user.profile.config']?.[0] ?? '{}') as {
      attributes: { name: string; permissions: { edit: string[] }; validations: { pattern?: { pattern: string } } }[];
    };
    const attribute = profile.attributes.find((a) => a.name === 'opd');
    // A user who could edit it could give themselves another OPD's personal data.
    expect(attribute?.permissions.edit).toEqual(['admin']);
    const pattern = new RegExp(attribute?.validations.pattern?.pattern ?? '(?!)');
    for (const code of ['DPUPR', 'DINKES', 'BPKAD', 'DINAS_PU2']) expect([pattern.test(code), opdCodeSchema.safeParse(code).success], code).toEqual([true, true]);
    for (const code of ['dpupr', 'D', '1DPUPR', 'DPU PR']) expect([pattern.test(code), opdCodeSchema.safeParse(code).success], code).toEqual([false, false]);
    for (const user of realm.users.filter((u) => u.realmRoles?.includes('opd'))) expect(user.attributes?.opd?.[0], user.username).toMatch(pattern);
  });

  it('has the dashboard as a public client with the authorization code flow, PKCE S256 and the service\'s callback', () => {
    const dashboard = client(config.DASHBOARD_CLIENT_ID as string);
    expect(dashboard).toMatchObject({ publicClient: true, standardFlowEnabled: true, implicitFlowEnabled: false, directAccessGrantsEnabled: false });
    expect(dashboard.attributes?.['pkce.code.challenge.method']).toBe('S256');
    expect(dashboard.redirectUris).toEqual([redirectUri(config)]);
    expect(redirectUri(config)).toBe('http://localhost:3000/app/callback');
  });

  it('gives the finance system client credentials whose service account holds finance only; sample passwords must be changed', () => {
    const finance = client('bpkad-finance');
    expect(finance).toMatchObject({ publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false, directAccessGrantsEnabled: false });
    expect(JSON.stringify(finance)).not.toMatch(/"secret"/);
    expect(realm.users.find((u) => u.serviceAccountClientId === 'bpkad-finance')?.realmRoles).toEqual(['finance']);
    for (const user of realm.users) for (const c of user.credentials ?? []) expect(c.temporary, user.username).toBe(true);
  });

  it("yields access tokens the service's verifier accepts with the right roles and OPD, and refuses one without the audience", async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'kc', alg: 'RS256' }] });
    const verify = createTokenVerifier({
      keys, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM,
    });
    const ppk = realm.users.find((u) => u.username === 'ppk.dpupr') as User;
    // The claims Keycloak writes: the audience mapper's client next to `account`, the roles scope, the opd mapper.
    const keycloakToken = (aud: string[]) => new SignJWT({
      azp: config.DASHBOARD_CLIENT_ID, typ: 'Bearer', scope: 'openid profile email',
      realm_access: { roles: [...(ppk.realmRoles ?? []), 'offline_access', 'uma_authorization', 'default-roles-gerbang'] },
      resource_access: { account: { roles: ['manage-account'] } },
      [config.AUTH_OPD_CLAIM]: ppk.attributes?.opd?.[0], preferred_username: ppk.username,
    }).setProtectedHeader({ alg: 'RS256', kid: 'kc', typ: 'JWT' }).setIssuer(config.AUTH_ISSUER).setAudience(aud)
      .setSubject('5f0d3c1e-0000-4000-8000-000000000001').setIssuedAt().setExpirationTime('5m').sign(privateKey);
    await expect(verify(await keycloakToken([config.AUTH_AUDIENCE, 'account']))).resolves.toEqual({
      sub: '5f0d3c1e-0000-4000-8000-000000000001', roles: ['opd'], opd: 'DPUPR',
    });
    await expect(verify(await keycloakToken(['account']))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
