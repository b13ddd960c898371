// A real HTTP receiver on 127.0.0.1 for webhook tests: records what arrives and answers as told.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** How to answer the next request: a status, optionally after a delay. Falls back to `fallback`. */
  answers: Array<{ status: number; delayMs?: number }>;
  fallback: { status: number; delayMs?: number };
  /** Resolves once `n` requests in total have arrived (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  let server: Server | null = null;
  const r: Receiver = {
    url: '', port, received: [], answers: [], fallback: { status: 200 },
    async waitFor(n, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (r.received.length < n) {
        if (Date.now() > until) throw new Error(`receiver got ${r.received.length} of ${n} requests in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          r.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
          const answer = r.answers.shift() ?? r.fallback;
          setTimeout(() => {
            if (!res.destroyed) res.writeHead(answer.status, { 'content-type': 'text/plain' }).end('ok');
          }, answer.delayMs ?? 0);
        });
      });
      await new Promise<void>((resolve) => server!.listen(r.port, '127.0.0.1', resolve));
      r.port = (server!.address() as AddressInfo).port;
      r.url = `http://127.0.0.1:${r.port}/hook`;
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = null;
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    },
  };
  await r.start();
  afterAll(() => r.stop());
  return r;
}
