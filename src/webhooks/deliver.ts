// One delivery attempt: POST the signed body to the address that was just resolved and checked
// (connecting to that very address, so a name re-pointed between check and connect changes nothing).
import http from 'node:http';
import https from 'node:https';
import type { ResolvedAddress } from './address.ts';

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

export function postOnce(url: string, target: ResolvedAddress, headers: Record<string, string>, body: string, timeoutMs: number): Promise<AttemptResult> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): AttemptResult =>
    ({ statusCode, error, durationMs: Math.round(performance.now() - started) });
  return new Promise((resolve) => {
    const u = new URL(url);
    const client = u.protocol === 'https:' ? https : http;
    const request = client.request(u, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      // Connect to the checked address; TLS still verifies the certificate against the host name.
      lookup: (_host, options, callback) => {
        if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [target]);
        else callback(null, target.address, target.family);
      },
      agent: false,
      timeout: timeoutMs,
    }, (response) => {
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) response.destroy();
      });
      const finish = () => resolve(done(response.statusCode ?? null, null));
      response.on('end', finish);
      response.on('close', finish);
      response.on('error', finish);
    });
    // `timeout` is idle time on the socket; the whole attempt is bounded too (a trickling receiver).
    const overall = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (err: NodeJS.ErrnoException) => resolve(done(null, err.code ? `${err.code}: ${err.message}` : err.message)));
    request.on('close', () => clearTimeout(overall));
    request.end(body);
  });
}
