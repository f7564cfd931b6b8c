// npm run bench [-- --quick] [--only fanout,e2e,destinations,polling,sync,failover,writes,sends,setups] [--targets gateway-ws,ceiling,...] [--profile]
//   [--failover-clients <n>] (the failover scenario's client count instead of the plan's, to iterate between --quick's 500 and the full 5,000)
//   [--failover-transport auto|sockjs|websocket] (the client library's transport option; auto, its default, unless told)
//   [--failover-generator-nice <0-19>] (the failover load generator's nice value; 0, the servers' equal, unless told; 19 runs it on what the servers leave)
// A benchmark, not a test: it runs on throwaway PostgreSQL and RabbitMQ instances of its own
// (the broker with the Web-STOMP plugin, the comparison; see bench/settings.ts), prints
// Markdown tables of figures beside baselines measured in the same run, and writes them all to
// bench/results/latest.json. Each server runs in its own process; this process is the load.
// First: the services it starts (with Web-STOMP) are the ones every module here shares.
import './settings.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TRANSPORT_OPTIONS } from '../client/src/socket-transport.js';
import type { BenchContext } from './context.js';
import { evaluateGoals } from './goals.js';
import { createBenchDatabase } from './infra/bench-database.js';
import { benchExchangeName, EventFeed } from './infra/event-feed.js';
import { describeMachine } from './infra/machine.js';
import { prepareWebStomp } from './infra/web-stomp.js';
import { renderReport } from './report.js';
import type { BenchResults } from './results.js';
import { runBroadcast } from './scenarios/broadcast.js';
import { runDestinations } from './scenarios/destinations.js';
import { runEndToEnd } from './scenarios/end-to-end.js';
import { runFailover } from './scenarios/failover.js';
import { runPolling } from './scenarios/polling.js';
import { runSync } from './scenarios/sync.js';
import { runWrites } from './scenarios/writes.js';
import { runSocketSends } from './scenarios/socket-sends.js';
import { runSessionSetups } from './scenarios/session-setups.js';
import { buildProduct } from './servers/roles.js';
import { TARGET_NAMES, type TargetName } from './scenarios/targets.js';
import { PLANS, type Plan } from './settings.js';
import { stopOwnedServices } from '../test/support/services/for-this-run.js';

const SCENARIOS = ['fanout', 'e2e', 'destinations', 'polling', 'sync', 'failover', 'writes', 'sends', 'setups'] as const;
type Scenario = (typeof SCENARIOS)[number];
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

function listOption<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T[] {
  if (value === undefined) return [...allowed];
  const picked = value.split(',').map((v) => v.trim());
  for (const v of picked) if (!(allowed as readonly string[]).includes(v)) throw new Error(`--${name}: unknown "${v}"; one of ${allowed.join(', ')}`);
  return picked as T[];
}

function withFailoverOptions(plan: Plan, clientsValue: string | undefined, transportValue: string | undefined, niceValue: string | undefined): Plan {
  const clients = Number(clientsValue ?? plan.failover.clients);
  if (!Number.isInteger(clients) || clients < 1) throw new Error(`--failover-clients: a positive whole number, not "${clientsValue}"`);
  const transports = transportValue === undefined ? [plan.failover.transport] : listOption(transportValue, TRANSPORT_OPTIONS, 'failover-transport');
  if (transports.length !== 1) throw new Error(`--failover-transport: one of ${TRANSPORT_OPTIONS.join(', ')}, not "${transportValue}"`);
  const generatorNice = Number(niceValue ?? plan.failover.generatorNice);
  if (!Number.isInteger(generatorNice) || generatorNice < 0 || generatorNice > 19) throw new Error(`--failover-generator-nice: 0 to 19, not "${niceValue}"`);
  return { ...plan, failover: { ...plan.failover, clients, transport: transports[0]!, generatorNice } };
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    targets: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'failover-clients': { type: 'string' },
    'failover-transport': { type: 'string' },
    'failover-generator-nice': { type: 'string' },
  },
});
const scenarios = listOption<Scenario>(values.only, SCENARIOS, 'only');
const targets = listOption<TargetName>(values.targets, TARGET_NAMES, 'targets');
const plan = withFailoverOptions(
  PLANS[values.quick ? 'quick' : 'full'],
  values['failover-clients'],
  values['failover-transport'],
  values['failover-generator-nice'],
);
const started = Date.now();
const log = (line: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

log('building dist/ unless it is current');
await buildProduct();
const machine = await describeMachine();
const webStomp =
  scenarios.includes('fanout') && targets.includes('web-stomp') ? prepareWebStomp(Math.max(...plan.fanoutSizes, plan.idleConnections)) : undefined;
const database = await createBenchDatabase();
const feed = await EventFeed.open(benchExchangeName());
let cleaning: Promise<void> | undefined;
// Once, whether the run ends, fails or is interrupted (then both paths wait for it).
const cleanUp = () =>
  (cleaning ??= (async () => {
    await feed.close().catch((err: unknown) => log(`could not delete the bench exchange: ${String(err)}`));
    await database.drop();
    await stopOwnedServices();
  })());
// Interrupted: the servers exit by themselves when this process goes (gc-control.mjs); the
// exchange and the database are removed here. A wrapper (npm, tsx) may pass the signal on
// again: every one waits for the same clean-up.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
}
const ctx: BenchContext = { plan, feed, database, webStomp, profile: values.profile, log };
const partial: Omit<BenchResults, 'goals'> = {
  startedAt: new Date(started).toISOString(),
  seconds: 0,
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
  plan,
  machine,
  broadcast: [],
  endToEnd: [],
  destinations: undefined,
  polling: undefined,
  sync: undefined,
  failover: undefined,
  writes: undefined,
  socketSends: undefined,
  sessionSetups: undefined,
};
try {
  if (scenarios.includes('fanout')) for (const name of targets) partial.broadcast.push(await runBroadcast(ctx, name));
  if (scenarios.includes('e2e')) partial.endToEnd = await runEndToEnd(ctx);
  if (scenarios.includes('destinations')) partial.destinations = await runDestinations(ctx);
  if (scenarios.includes('polling')) partial.polling = await runPolling(ctx);
  if (scenarios.includes('sync')) partial.sync = await runSync(ctx);
  if (scenarios.includes('failover')) partial.failover = await runFailover(ctx);
  if (scenarios.includes('writes')) partial.writes = await runWrites(ctx);
  if (scenarios.includes('sends')) partial.socketSends = await runSocketSends(ctx);
  if (scenarios.includes('setups')) partial.sessionSetups = await runSessionSetups(ctx);
} finally {
  await cleanUp();
}
partial.seconds = (Date.now() - started) / 1000;
const results: BenchResults = { ...partial, goals: evaluateGoals(partial) };
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(`${RESULTS_DIR}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log(renderReport(results));
log(`written to bench/results/latest.json`);
