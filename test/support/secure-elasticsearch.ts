/**
 * A private Elasticsearch node with SECURITY ON, started through the read-store container's own start-up
 * script (stack/elasticsearch/start.sh) from the integ-test distribution in .cache/, on a free port.
 * As root the node runs as the system user `esrunner` (Elasticsearch refuses root), like scripts/es.sh.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { START_SCRIPT_PATH } from '../../stack/elasticsearch-node';
import { ES_VERSION } from './elasticsearch';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const ES_HOME = path.join(ROOT, '.cache', `elasticsearch-${ES_VERSION}`);
const RUNNER = process.env.ES_USER ?? 'esrunner';

export interface SecureNode {
  readonly url: string;
  /** The script's output and the node's log tail, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function secureElasticsearchUnavailableReason(): string | null {
  if (!existsSync(path.join(ES_HOME, 'bin', 'elasticsearch')))
    return `no .cache/elasticsearch-${ES_VERSION} (run scripts/es.sh fetch)`;
  if (!java17()) return 'no Java 17 JDK under /usr/lib/jvm';
  return null;
}

function java17(): string | undefined {
  const jvm = '/usr/lib/jvm';
  if (!existsSync(jvm)) return undefined;
  const dir = readdirSync(jvm).find((d) => d.includes('17') && existsSync(path.join(jvm, d, 'bin', 'java')));
  return dir ? path.join(jvm, dir) : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function reachableHome(): Promise<string> {
  const readable = await run('runuser', [
    '-u',
    RUNNER,
    '--',
    'test',
    '-x',
    path.join(ES_HOME, 'bin', 'elasticsearch'),
  ]).then(
    () => true,
    () => false,
  );
  if (readable) return ES_HOME;
  const shared = path.join(process.env.ES_RUNTIME_DIR ?? '/var/tmp/es-local', `elasticsearch-${ES_VERSION}`);
  if (!existsSync(path.join(shared, 'bin', 'elasticsearch'))) {
    mkdirSync(path.dirname(shared), { recursive: true, mode: 0o755 });
    cpSync(ES_HOME, shared, { recursive: true });
    await run('chmod', ['-R', 'a+rX', path.dirname(shared)]);
  }
  return shared;
}

/** Starts the node with the given container environment; resolves once the app user is authenticated. */
export async function startSecureElasticsearch(env: Record<string, string>, timeoutMs = 420_000): Promise<SecureNode> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'es-secure-'));
  chmodSync(dir, 0o777);
  const conf = path.join(dir, 'config');
  cpSync(path.join(ES_HOME, 'config'), conf, { recursive: true });
  // Elasticsearch's entitlements forbid a temp dir that contains the config dir: keep them side by side.
  mkdirSync(path.join(dir, 'tmp'));
  const pidFile = path.join(dir, 'es.pid');
  const asRoot = process.getuid?.() === 0;
  // The runner user may not reach a checkout private to root: run the script from the node's own folder, and
  // the distribution from the shared copy scripts/es.sh makes in that case.
  const script = path.join(dir, 'start.sh');
  cpSync(START_SCRIPT_PATH, script);
  const esHome = asRoot ? await reachableHome() : ES_HOME;
  if (asRoot) await run('chown', ['-R', RUNNER, dir]);
  const vars = {
    ...env,
    ES_HOME: esHome,
    ES_PATH_CONF: conf,
    ES_JAVA_HOME: java17() ?? '',
    ES_TMPDIR: path.join(dir, 'tmp'),
    ES_JAVA_OPTS: '-Xms256m -Xmx256m',
    ES_NETWORK_HOST: '127.0.0.1',
    ES_HTTP_PORT: String(port),
  };
  const args = [
    'bash',
    script,
    '-d',
    '-p',
    pidFile,
    '-E',
    `path.data=${dir}/data`,
    '-E',
    `path.logs=${dir}/logs`,
    '-E',
    'transport.port=0',
    '-E',
    'cluster.routing.allocation.disk.threshold_enabled=false',
  ];
  const envArgs = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  const command = asRoot ? ['runuser', '-u', RUNNER, '--', 'env', ...envArgs, ...args] : ['env', ...envArgs, ...args];
  let output = '';
  const log = () => {
    let tail = '';
    try {
      const logs = path.join(dir, 'logs');
      const file = readdirSync(logs).find((f) => f === 'movie-catalog.log');
      if (file) tail = readFileSync(path.join(logs, file), 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      /* no logs yet */
    }
    return `${output}\n${tail}`;
  };
  const stop = async () => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 60; i += 1) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } catch {
      /* never started */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [file, ...rest] = command as [string, ...string[]];
    const result = await run(file, rest, { timeout: timeoutMs });
    output = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((l) => !/\]\[(gc|safepoint)/.test(l))
      .join('\n');
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`
      .split('\n')
      .filter((l) => !/\]\[(gc|safepoint)/.test(l))
      .join('\n');
    const text = log();
    await stop();
    throw new Error(`start-up script failed:\n${text}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${env.ES_APP_USERNAME}:${env.ES_APP_PASSWORD}`).toString('base64')}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/_security/_authenticate`, { headers: { authorization: auth } }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`secure Elasticsearch did not authenticate the app user in time:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, log, stop };
}
