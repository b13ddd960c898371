// Idempotency of decision requests, scoped per token `sub`. The stored key (written in the
// decision's own transaction) answers replays; while a key is being decided, an in-process set
// covers the phase before the transaction (provider refresh) and a transaction-scoped advisory
// lock covers the transaction itself, across instances.
import { createHash } from 'node:crypto';
import { AppError } from '../http/problem.ts';
import { canonicalJson, sha256Hex } from '../canonical-json.ts';

const KEY = /^[\x20-\x7e]{1,255}$/;

export function idempotencyKeyOf(header: string | string[] | undefined): string {
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new AppError('IDEMPOTENCY_KEY_REQUIRED', {
      detail: {
        id: 'Header Idempotency-Key wajib diisi: 1 sampai 255 karakter ASCII yang dapat dicetak',
        en: 'The Idempotency-Key header is required: 1 to 255 printable ASCII characters',
      },
    });
  }
  return header;
}

/** SHA-256 of the request body's RFC 8785 canonical JSON, as sent (defaults not applied). */
export const requestSha256 = (body: unknown): string => sha256Hex(canonicalJson(body));

/** A signed 64-bit key for pg_try_advisory_xact_lock, from (sub, key). */
export function advisoryLockKey(sub: string, key: string): bigint {
  const digest = createHash('sha256').update('gerbang:idempotency\0').update(sub).update('\0').update(key).digest();
  return digest.readBigInt64BE(0);
}

export const inProgress = (): AppError =>
  new AppError('IDEMPOTENCY_IN_PROGRESS', {
    detail: { id: 'Permintaan dengan kunci idempotensi ini masih diproses; coba lagi sebentar lagi', en: 'A request with this idempotency key is still being decided; retry shortly' },
    headers: { 'retry-after': '1' },
  });

export const keyReused = (): AppError =>
  new AppError('IDEMPOTENCY_KEY_REUSED', {
    detail: { id: 'Kunci idempotensi ini sudah dipakai untuk permintaan dengan isi lain', en: 'This idempotency key was already used for a request with another body' },
  });

/** Keys being decided in this process: `${sub}\0${key}`. */
export function createInFlight() {
  const keys = new Set<string>();
  return {
    /** Claims the key or throws 409; call the returned release when the request ends. */
    claim(sub: string, key: string): () => void {
      const id = `${sub}\0${key}`;
      if (keys.has(id)) throw inProgress();
      keys.add(id);
      return () => keys.delete(id);
    },
  };
}
