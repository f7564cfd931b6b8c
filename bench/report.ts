import type { BenchResults } from './results.js';
import type { BroadcastResult } from './scenarios/broadcast.js';

type Row = (string | number)[];

/** A Markdown table with aligned columns: readable in a terminal, pasteable into docs/benchmarks.md. */
function table(title: string, header: string[], rows: Row[]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [`### ${title}`, '', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line), ''].join('\n');
}

const fixed = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const [f0, f1, f2] = [fixed(0), fixed(1), fixed(2)];
const ratio = (value: number, baseline: number | undefined) => (baseline === undefined ? '-' : `${f2(value / baseline)}x`);

function broadcastTables(broadcast: BroadcastResult[]): string[] {
  if (broadcast.length === 0) return [];
  const byName = (name: string) => broadcast.find((b) => b.target === name);
  const [ceiling, socketio] = [byName('ceiling'), byName('socketio')];
  const fanoutRows = broadcast.flatMap((b) =>
    b.fanout.map((f) => {
      const at = (baseline: BroadcastResult | undefined) => baseline?.fanout.find((g) => g.subscribers === f.subscribers);
      return [
        b.label,
        f.subscribers,
        f0(f.deliveriesPerSecond),
        ratio(f.deliveriesPerSecond, at(ceiling)?.deliveriesPerSecond),
        f2(f.cpuUsPerDelivery),
        ratio(f.cpuUsPerDelivery, at(socketio)?.cpuUsPerDelivery),
        f2(f.serverCores),
      ];
    }),
  );
  const memoryRows = broadcast.map(({ label, idleMemory: m }) => [
    label,
    m.connections,
    f1(m.bytesPerConnection / 1024),
    ratio(m.bytesPerConnection, ceiling?.idleMemory.bytesPerConnection),
    m.heapBytesPerConnection === undefined ? '-' : f1(m.heapBytesPerConnection / 1024),
    m.heapBytesPerConnection === undefined ? '-' : ratio(m.heapBytesPerConnection, ceiling?.idleMemory.heapBytesPerConnection),
  ]);
  const latencyRows = broadcast.map(({ label, latency: l }) => [
    label,
    `${l.subscribers} x ${l.ratePerSecond}/s`,
    l.samples,
    f1(l.p50),
    f1(l.p95),
    f1(l.p99),
    f1(l.max),
    ratio(l.p99, ceiling?.latency.p99),
    f1(l.cpuUsPerDelivery),
  ]);
  return [
    table(
      'Fan-out at full rate (one topic)',
      ['server', 'subscribers', 'deliveries/s', 'x ceiling', 'CPU us/delivery', 'x Socket.IO', 'server cores'],
      fanoutRows,
    ),
    table(
      'Memory per idle connection (connected, subscribed)',
      ['server', 'connections', 'RSS KB/conn', 'x ceiling', 'live JS heap KB/conn', 'x ceiling'],
      memoryRows,
    ),
    table('Latency, broker publish -> socket (ms)', ['server', 'load', 'samples', 'p50', 'p95', 'p99', 'max', 'p99 x ceiling', 'CPU us/delivery'], latencyRows),
  ];
}

export function renderReport(results: BenchResults): string {
  const { machine: m } = results;
  const out = [
    `## Benchmark (${results.plan.name}), ${results.startedAt}, ${f0(results.seconds)} s`,
    '',
    `${m.cores} x ${m.cpus}, ${m.memoryGiB} GiB, ${m.kernel}; Node ${m.node}, RabbitMQ ${m.rabbitmq}, PostgreSQL ${m.postgresql}; load average at start ${f2(m.loadAverageAtStart)}`,
    '',
    ...broadcastTables(results.broadcast),
  ];
  const ceilingP99 = results.broadcast.find((b) => b.target === 'ceiling')?.latency.p99;
  if (results.endToEnd.length > 0) {
    const rows = results.endToEnd.map((l) => [
      `${l.subscribers} x ${l.ratePerSecond}/s`,
      l.samples,
      f1(l.p50),
      f1(l.p95),
      f1(l.p99),
      f1(l.max),
      ceilingP99 === undefined ? '-' : `${l.p99 >= ceilingP99 ? '+' : ''}${f1(l.p99 - ceilingP99)}`,
      `${f1(l.rest.p50)} / ${f1(l.rest.p99)}`,
      `${f1(l.toBroker.p50)} / ${f1(l.toBroker.p99)}`,
    ]);
    out.push(
      table(
        'Latency, REST chat send -> PostgreSQL -> outbox -> RabbitMQ -> socket (ms)',
        ['connections', 'samples', 'p50', 'p95', 'p99', 'max', 'p99 - ceiling p99', 'REST 201 p50 / p99', 'on the broker p50 / p99'],
        rows,
      ),
    );
  }
  const d = results.destinations;
  if (d) {
    const rows = [d.few, d.many].flatMap((side) => side.runs.map((r) => [side.destinations, r.subscribers, f0(r.deliveriesPerSecond), f2(r.cpuUsPerDelivery)]));
    out.push(
      table(
        `One destination among others (gateway); ratio ${f2(d.throughputRatio)}x deliveries/s, ${f2(d.cpuRatio)}x CPU`,
        ['other destinations', 'subscribers', 'deliveries/s', 'CPU us/delivery'],
        rows,
      ),
    );
  }
  const p = results.polling;
  if (p) {
    const baseline = p.runs[0]?.requestsPerSecond;
    const rows = p.runs.map((r) => [
      r.request.replace(/[0-9a-f-]{36}/, '{id}'),
      f0(r.requestsPerSecond),
      ratio(r.requestsPerSecond, baseline),
      f1(r.p50),
      f1(r.p95),
      f1(r.p99),
      f2(r.apiCpuMsPerRequest),
      r.errors,
    ]);
    out.push(
      table(
        `Polling, ${p.messages.toLocaleString('en')} messages in the trade, ${p.concurrency} connections (ms)`,
        ['request', 'req/s', 'x healthz', 'p50', 'p95', 'p99', 'api CPU ms/req', 'errors'],
        rows,
      ),
    );
  }
  const s = results.sync;
  if (s) {
    const rows = [
      [s.empty.baseline, s.empty.sync],
      [s.messages.baseline, s.messages.sync],
    ].flatMap(([baseline, run]) =>
      [baseline!, run!].map((r) => [
        r.name,
        r.request,
        f0(r.requestsPerSecond),
        ratio(r.requestsPerSecond, baseline!.requestsPerSecond),
        f1(r.p50),
        f1(r.p99),
        f2(r.serverCpuMsPerRequest),
        ratio(baseline!.serverCpuMsPerRequest, r.serverCpuMsPerRequest),
        r.errors,
      ]),
    );
    // Requests per CPU second against the baseline's: the capacity ratio on a machine whose other load blurs req/s.
    out.push(
      table(
        `Sync route, ${s.concurrency} connections (ms)`,
        ['server', 'request', 'req/s', 'x baseline', 'p50', 'p99', 'server CPU ms/req', 'x baseline req/CPU-s', 'errors'],
        rows,
      ),
    );
    const l = s.longPoll;
    out.push(
      table(
        'Long polling, one api process (commit -> answer, ms)',
        [
          'users',
          'messages',
          'deliveries',
          'p50',
          'p95',
          'p99',
          'max',
          'send -> 201 p50 / p99',
          '201 -> answer p50 / p99',
          'lost',
          'duplicated',
          'errors',
          'api CPU ms/s',
        ],
        [
          [
            l.users,
            `${l.sent} (${l.messagesPerSecond}/s)`,
            `${l.latency.samples} of ${l.expectedDeliveries}`,
            f1(l.latency.p50),
            f1(l.latency.p95),
            f1(l.latency.p99),
            f1(l.latency.max),
            `${f1(l.send.p50)} / ${f1(l.send.p99)}`,
            `${f1(l.afterSend.p50)} / ${f1(l.afterSend.p99)}`,
            l.lost,
            l.duplicated,
            l.errors,
            f0(l.apiCpuMsPerSecond),
          ],
        ],
      ),
    );
  }
  const fo = results.failover;
  if (fo) {
    const c = fo.capacity;
    const rows = fo.runs.map((r) => [
      r.signal,
      r.clients,
      r.allLiveMs === undefined ? `not in ${f1(r.gapMs / 1000)}` : f1(r.allLiveMs / 1000),
      r.onSurvivor,
      r.apiRequests,
      f0(r.apiPeakRequestsPerSecond),
      ratio(r.apiPeakRequestsPerSecond, c.requestsPerSecond),
      r.apiRequestsFailed,
      `${f2(r.apiCores)} / ${f2(r.apiPeakCores)}`,
      `${f2(r.survivorCores)} / ${f2(r.survivorPeakCores)}`,
      `${f2(r.loadGeneratorCores)} (${r.loadGeneratorProcesses} processes)`,
      `${r.chatSendsFailedInGap} / ${r.chatSendsInGap} (first tries ${r.chatFirstTriesFailedInGap})`,
      `${r.chatSendsFailed} / ${r.chatSends}`,
      r.chatStoredTwice,
      `${r.lost} (${[`${r.clientsMissingSome} clients`, ...Object.entries(r.clientsMissingByState).map(([state, n]) => `${n} ${state}`)].join(', ')})`,
      r.duplicated,
    ]);
    out.push(
      table(
        `Gateway A lost with ${fo.clients.toLocaleString('en')} client-library users on it (transport: ${fo.transport}; load generator at nice ${fo.generatorNice}), ${fo.trades} trades, chat ${fo.chatPerSecond}/s over REST, sent as the client library sends it (clientMessageId, retries); api capacity (baseline, ${c.concurrency} connections): a catch-up sync ${f0(c.catchUpRequestsPerSecond)} req/s, an empty sync ${f0(c.emptyRequestsPerSecond)} req/s, the fresh catch-up after a reconnect ${f0(c.freshRequestsPerSecond)} req/s; the lowest at ${f2(c.cores)} cores, p99 ${f1(c.p99)} ms`,
        [
          'signal',
          'clients',
          'all live on B (s)',
          'on B',
          'api requests in gap',
          'api peak req/s',
          'x capacity',
          'failed',
          'api cores mean / peak',
          'gateway B cores mean / peak',
          'load generator cores',
          'sends failed in gap (user level)',
          'sends failed overall',
          'sends stored twice',
          'lost',
          'duplicated',
        ],
        rows,
      ),
    );
  }
  const w = results.writes;
  if (w) {
    const [alone] = w.runs;
    const rows = w.runs.map((r) => [
      r.name,
      `${r.failed} / ${r.sends}`,
      f1(r.latency.p50),
      f1(r.latency.p99),
      ratio(r.latency.p99, alone?.latency.p99),
      r.polls ? f0(r.polls.requestsPerSecond) : '-',
      r.polls ? r.polls.errors : '-',
      Object.entries(r.unavailable)
        .map(([cause, n]) => `${cause} ${n}`)
        .join(', ') || '-',
    ]);
    out.push(
      table(
        `Chat sends (${w.chatPerSecond}/s) alone and during a poll storm, one api process (ms)`,
        ['run', 'sends failed (first try)', 'p50', 'p99', 'p99 x alone', 'polls served/s', 'polls not served (503 or error)', "api's 503s by cause"],
        rows,
      ),
    );
  }
  const sends = results.socketSends;
  if (sends) {
    const [rest] = sends.runs;
    const rows = sends.runs.map((r) => [
      r.name,
      `${r.failed} / ${r.messages + r.failed}${
        r.failed
          ? ` (${Object.entries(r.failures)
              .map(([why, n]) => `${why} ${n}`)
              .join(', ')})`
          : ''
      }`,
      f2(r.cpuMsPerMessage.api),
      f2(r.cpuMsPerMessage.gateway),
      f2(r.cpuMsPerMessage.total),
      ratio(r.cpuMsPerMessage.total, rest?.cpuMsPerMessage.total),
      f1(r.latency.p50),
      f1(r.latency.p99),
    ]);
    out.push(
      table(
        `Chat sent over the socket against REST: CPU per message, api + gateway (${sends.perSecond}/s over ${sends.trades} trades for ${sends.seconds} s; idle ${f1(sends.idleCpuMsPerSecond.total)} ms/s taken out)`,
        ['path', 'failed', 'api CPU ms', 'gateway CPU ms', 'total CPU ms', 'total x REST', 'answer p50 ms', 'answer p99 ms'],
        rows,
      ),
    );
  }
  const setups = results.sessionSetups;
  if (setups) {
    const baseline = setups.runs.find((r) => r.transport === 'websocket');
    out.push(
      table(
        `Session set-ups, one gateway: CPU per session (CONNECT and three subscriptions with receipts; ${setups.concurrency} at a time, after a warm-up round each)`,
        ['transport', 'sessions', 'gateway CPU ms per session', 'x plain WebSocket', 'wall s'],
        setups.runs.map((r) => [
          r.transport,
          String(r.sessions),
          f2(r.gatewayCpuMsPerSession),
          ratio(r.gatewayCpuMsPerSession, baseline?.gatewayCpuMsPerSession),
          f1(r.wallMs / 1000),
        ]),
      ),
    );
  }
  if (results.goals.length > 0) {
    out.push(
      table(
        'Targets (issues 5 and 8)',
        ['target', 'measured', 'limit', 'met'],
        results.goals.map((g) => [g.goal, g.measured, g.limit, g.met ? 'yes' : 'NO']),
      ),
    );
  }
  return out.join('\n');
}
