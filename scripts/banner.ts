/** The start-up banner: base URL, every function with its route and auth, the keys, the services. */
import type { LocalHost } from '../shared/local/host';

/**
 * `startMs`: time until the host answered its own health check (it really serves requests then);
 * `schedule` resolves a timer's `%SETTING%` schedule to the value it runs on.
 */
export function describeHost(
  host: LocalHost,
  startMs: number,
  schedule: (expression: string) => string = (e) => e,
): string {
  const lines = [
    `Movie catalog local Functions host answering requests (health checked) after ${startMs} ms`,
    `  base URL   ${host.url}/api`,
    '',
    'Functions:',
  ];
  for (const f of host.functions) {
    if (f.kind === 'http')
      lines.push(
        `  ${f.name.padEnd(14)} ${f.methods.join(',').padEnd(7)} ${host.url}/api/${f.route}  [${f.authLevel}]`,
      );
    else if (f.kind === 'eventGrid')
      lines.push(`  ${f.name.padEnd(14)} eventGrid  subscribed to ${host.topicEndpoint}`);
    else {
      const value = schedule(f.schedule);
      lines.push(
        `  ${f.name.padEnd(14)} timer      ${value}${value === f.schedule ? '' : `  (${f.schedule.replaceAll('%', '')})`}`,
      );
    }
  }
  lines.push('', 'Keys (local only; set FUNCTION_KEY / MASTER_KEY / EVENTGRID_TOPIC_KEY to fix them):');
  lines.push(
    `  function (host) key  ${host.keys.host}`,
    `  master key          ${host.keys.master}`,
    `  topic aeg-sas-key   ${host.keys.topic}`,
  );
  lines.push('', 'Backing services:');
  for (const s of host.services) lines.push(`  ${s.port.padEnd(13)} ${s.kind}  (${s.target})`);
  return lines.join('\n');
}
