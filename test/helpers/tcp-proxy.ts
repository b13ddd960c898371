// An in-process TCP proxy on 127.0.0.1 that puts network faults between the adapter and the
// simulator. The mode is read on every connection and every chunk, so switching it affects
// kept-alive connections too.
import net from 'node:net';

export type ProxyMode =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number } // each chunk, both directions, held this long
  | { kind: 'reset' } // the client's connection is torn down with a TCP RST
  | { kind: 'close' }; // the client's connection is ended (FIN) without an answer

export interface TcpProxy {
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = { kind: 'pass' };
  let connections = 0;
  const sockets = new Set<net.Socket>();

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // faults are the point here; the peer sees them
  };

  /** Applies the current fault; returns false when the connection was torn down. */
  const fault = (client: net.Socket, upstream: net.Socket): boolean => {
    if (mode.kind === 'reset') {
      client.resetAndDestroy();
      upstream.destroy();
      return false;
    }
    if (mode.kind === 'close') {
      client.end();
      upstream.destroy();
      return false;
    }
    return true;
  };

  const server = net.createServer((client) => {
    connections++;
    track(client);
    const upstream = net.connect({ host: target.host, port: target.port });
    track(upstream);
    if (!fault(client, upstream)) return;
    // Chunks held back by a delay; dropped when the client goes away, so a caller that gave up
    // never reaches the upstream later (and never spills into the next test).
    const pending = new Set<NodeJS.Timeout>();
    const send = (to: net.Socket, chunk: Buffer) => {
      if (!fault(client, upstream)) return;
      if (mode.kind !== 'delay') {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      // Same delay for every chunk, so timers fire in arrival order.
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!to.destroyed) to.write(chunk);
      }, mode.ms);
      pending.add(timer);
    };
    client.on('data', (chunk: Buffer) => send(upstream, chunk));
    upstream.on('data', (chunk: Buffer) => send(client, chunk));
    client.on('end', () => void (!upstream.destroyed && upstream.end()));
    client.on('close', () => {
      for (const timer of pending) clearTimeout(timer);
      upstream.destroy();
    });
    // The upstream's end follows its delayed chunks to the client rather than overtaking them.
    const later = (fn: () => void) => (mode.kind === 'delay' ? setTimeout(fn, mode.ms) : fn());
    upstream.on('end', () => later(() => void (!client.destroyed && client.end())));
    upstream.on('close', () => later(() => void client.destroy()));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    setMode(next) {
      mode = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
