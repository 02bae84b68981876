/**
 * The Event Grid publisher passes the publisher contract: the real @azure/eventgrid client posts to a
 * wire-level topic endpoint (HTTP, aeg-sas-key checked, CloudEvents batch body) that keeps what it
 * accepted and answers 503 while down.
 */
import { createServer, type Server } from 'node:http';
import { afterAll } from 'vitest';
import { createEventGridPublisher } from '../../shared/adapters/eventgrid-publisher';
import type { CloudEventEnvelope } from '../../shared/ports';
import { publisherContract } from '../contracts/publisher';

const KEY = 'contract-topic-key';
let server: Server | undefined;
afterAll(async () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

publisherContract('Event Grid (real client, wire-level topic)', async () => {
  const accepted: CloudEventEnvelope[] = [];
  let down = false;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers['aeg-sas-key'] !== KEY) return void res.writeHead(401).end();
      if (!String(req.headers['content-type']).startsWith('application/cloudevents-batch+json'))
        return void res.writeHead(415).end();
      if (down) return void res.writeHead(503).end();
      accepted.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CloudEventEnvelope[]));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  const publisher = createEventGridPublisher({
    endpoint: `http://127.0.0.1:${address.port}/api/events`,
    key: KEY,
    maxRetries: 0,
  });
  return {
    publisher,
    health: 'up',
    async received() {
      return accepted.splice(0);
    },
    setDown(value) {
      down = value;
    },
  };
});
