import { createHmac } from 'node:crypto';

/** The keyed pseudonym that stands for a worker in the audit log (HMAC-SHA-256 of the NIK, hex). */
export type Pseudonymize = (nik: string) => string;

export const pseudonymizer =
  (key: Buffer): Pseudonymize =>
  (nik) =>
    createHmac('sha256', key).update(nik).digest('hex');
