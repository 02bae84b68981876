/**
 * The embedded write store: @vercel/cosmosdb-server in-process (plain HTTP, keep-alive), reached through
 * the real @azure/cosmos SDK exactly as a real account would be.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { CosmosClient } from '@azure/cosmos';
import { cosmosClient } from '../adapters/cosmos-event-store';
import { createHttpServer } from '@vercel/cosmosdb-server';

/** The well-known emulator key: the embedded server accepts any key. Not a secret. */
const EMBEDDED_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface EmbeddedCosmos {
  readonly endpoint: string;
  readonly key: string;
  readonly client: CosmosClient;
  close(): Promise<void>;
}

export async function startEmbeddedCosmos(port = 0): Promise<EmbeddedCosmos> {
  const server: Server = createHttpServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = cosmosClient(endpoint, EMBEDDED_KEY);
  return {
    endpoint,
    key: EMBEDDED_KEY,
    client,
    async close() {
      client.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
