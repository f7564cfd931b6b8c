import type { Machine } from './infra/machine.js';
import type { BroadcastResult } from './scenarios/broadcast.js';
import type { DestinationsResult } from './scenarios/destinations.js';
import type { EndToEnd } from './scenarios/end-to-end.js';
import type { FailoverResult } from './scenarios/failover.js';
import type { PollingResult } from './scenarios/polling.js';
import type { SyncBenchResult } from './scenarios/sync.js';
import type { WritesResult } from './scenarios/writes.js';
import type { SocketSendsResult } from './scenarios/socket-sends.js';
import type { SessionSetupsResult } from './scenarios/session-setups.js';
import type { Plan } from './settings.js';

/** One target of issue 5 checked against this run's own baselines. */
export interface Goal {
  goal: string;
  measured: string;
  limit: string;
  met: boolean;
}

/** Everything one run measured: bench/results/latest.json. */
export interface BenchResults {
  startedAt: string;
  seconds: number;
  command: string;
  plan: Plan;
  machine: Machine;
  broadcast: BroadcastResult[];
  endToEnd: EndToEnd[];
  destinations: DestinationsResult | undefined;
  polling: PollingResult | undefined;
  sync: SyncBenchResult | undefined;
  failover: FailoverResult | undefined;
  writes: WritesResult | undefined;
  socketSends: SocketSendsResult | undefined;
  sessionSetups: SessionSetupsResult | undefined;
  goals: Goal[];
}
