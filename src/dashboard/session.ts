// The dashboard session lives in a sealed cookie (AES-256-GCM): the browser holds it but can
// neither read nor change it, and the server keeps no session table. It carries who signed in
// (the same sub, roles and OPD the API reads from a token) and the CSRF token of their forms.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { ROLES, type AuthContext } from '../http/auth.ts';

export const SESSION_COOKIE = 'gerbang_session';
export const OIDC_COOKIE = 'gerbang_oidc';
/** A working day; the OIDC provider's own session decides how soon the next sign-in asks again. */
export const SESSION_TTL_MS = 8 * 3_600_000;

const sessionSchema = z.object({
  sub: z.string().min(1),
  roles: z.array(z.enum(ROLES)),
  opd: z.string().nullable(),
  csrf: z.string().min(16),
  exp: z.number(),
  via: z.enum(['oidc', 'dev']),
});
export type Session = z.infer<typeof sessionSchema>;

const oidcStateSchema = z.object({ state: z.string(), verifier: z.string(), nonce: z.string(), exp: z.number() });
export type OidcState = z.infer<typeof oidcStateSchema>;

export interface Sealer {
  seal(value: unknown): string;
  open(sealed: string | undefined): unknown;
}

/** AES-256-GCM under a key derived from the secret; any tampering makes `open` return null. */
export function createSealer(secret: Buffer): Sealer {
  const key = Buffer.from(hkdfSync('sha256', secret, 'gerbang', 'dashboard-session-v1', 32));
  return {
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      if (!sealed || sealed.length > 8192) return null;
      try {
        const raw = Buffer.from(sealed, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
      } catch {
        return null;
      }
    },
  };
}

/**
 * SESSION_SECRET when set (production requires it); otherwise a development key kept in DATA_DIR so
 * sessions survive a restart; tests without one get a key of their own for the process.
 */
export function sessionSecret(config: Config): Buffer {
  if (config.SESSION_SECRET) return Buffer.from(config.SESSION_SECRET, 'base64');
  if (config.NODE_ENV === 'test') return randomBytes(32);
  const file = path.resolve(config.DATA_DIR, 'keys', 'dev-session-key.json');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${JSON.stringify(randomBytes(32).toString('base64'))}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return Buffer.from(JSON.parse(readFileSync(file, 'utf8')) as string, 'base64');
}

export function newSession(auth: AuthContext, via: Session['via'], nowMs: number): Session {
  return { sub: auth.sub, roles: [...auth.roles], opd: auth.opd, csrf: randomBytes(24).toString('base64url'), exp: nowMs + SESSION_TTL_MS, via };
}

export function readSession(sealer: Sealer, cookie: string | undefined, nowMs: number): Session | null {
  const parsed = sessionSchema.safeParse(sealer.open(cookie));
  if (!parsed.success || parsed.data.exp <= nowMs || parsed.data.roles.length === 0) return null;
  return parsed.data;
}

export function readOidcState(sealer: Sealer, cookie: string | undefined, nowMs: number): OidcState | null {
  const parsed = oidcStateSchema.safeParse(sealer.open(cookie));
  return parsed.success && parsed.data.exp > nowMs ? parsed.data : null;
}

export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const cookieOptions = (config: Config, maxAgeSeconds: number) => ({
  path: '/app',
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: config.NODE_ENV === 'production',
  maxAge: maxAgeSeconds,
});
