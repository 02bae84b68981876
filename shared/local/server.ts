/**
 * The local host's HTTP server. It listens before the host has finished starting: requests that arrive
 * meanwhile wait for the handler instead of hanging unanswered. Requests Node's parser rejects are
 * answered with a problem on the raw socket.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawProblem } from './problems';

export interface HostServer {
  readonly url: string;
  readonly port: number;
  /** Starts serving with `handler`, also every request that has been waiting for it. */
  serve(handler: RequestListener): void;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

export async function listenHost(port: number, hostname = '127.0.0.1'): Promise<HostServer> {
  let handler: RequestListener | undefined;
  const waiting: Array<() => void> = [];
  const server = createServer({ keepAlive: true }, (req, res) => {
    if (handler) handler(req, res);
    else waiting.push(() => handler?.(req, res));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(rawProblem(error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${hostname && hostname !== '0.0.0.0' ? hostname : '127.0.0.1'}:${bound}`,
    port: bound,
    serve(next) {
      handler = next;
      for (const resume of waiting.splice(0)) resume();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
