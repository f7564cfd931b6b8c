import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The event names of RealtimeEvents, from its source: the interface is a type, gone at run time. */
function clientEvents(): string[] {
  const source = read('client/src/realtime-client.ts');
  const body = /export interface RealtimeEvents \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  return [...body.matchAll(/^ {2}'?([\w-]+)'?: /gm)].map((m) => m[1]!);
}

describe('client: the typed events, as the docs list them', () => {
  it('names every event in docs/delivery.md and shows each in client/README.md', () => {
    const events = clientEvents();
    assert.ok(events.includes('presence') && events.includes('auth-required'), `parsed: ${events.join(', ')}`);
    const listed = /^- Typed events: (.*)$/m.exec(read('docs/delivery.md'))?.[1] ?? '';
    const readme = read('client/README.md');
    for (const event of events) {
      assert.ok(listed.includes(`\`${event}\``), `docs/delivery.md does not list ${event}`);
      assert.ok(readme.includes(`client.on('${event}'`), `client/README.md does not show ${event}`);
    }
  });
});
