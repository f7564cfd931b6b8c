// Soak: steady chat with clients connecting and disconnecting all the time, against the
// production topology as real processes (api, two gateways, worker) on this machine's
// PostgreSQL and RabbitMQ. Run by hand, not in CI:
//   npx tsx scripts/soak.ts [minutes=30]
// Every 30 s it samples each process's RSS, heap and active handles from its /metrics, and
// at the end compares the first and last five minutes and prints a verdict (docs/soak.md).
import { writeFile } from 'node:fs/promises';
import { startCluster, type RoleProcess } from '../test/support/cluster.js';
import { scrapeMetrics } from '../test/support/metrics.js';
import { StompTestClient } from '../test/support/stomp-clients.js';

const minutes = Number(process.argv[2] ?? 30);
const CLIENTS = 200;
const TRADES = 20;
const CHAT_PER_SECOND = 20;
const CHURN_PER_SECOND = 5;

interface Sample {
  atSeconds: number;
  role: string;
  rssMb: number;
  heapMb: number;
  handles: number;
  connections: number;
}

const metric = (text: string, name: string) => {
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].map((m) => Number(m[1]));
  return values.reduce((a, b) => a + b, 0);
};

async function sample(proc: RoleProcess, label: string, atSeconds: number): Promise<Sample> {
  const text = await scrapeMetrics(proc.url);
  return {
    atSeconds,
    role: label,
    rssMb: metric(text, 'process_resident_memory_bytes') / 2 ** 20,
    heapMb: metric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
    handles: metric(text, 'nodejs_active_handles_total'),
    connections: metric(text, 'gateway_connections'),
  };
}

const cluster = await startCluster({ gateways: 2, env: { LOG_LEVEL: 'error' } });
const started = Date.now();
const deadline = started + minutes * 60_000;
const auth = (user: string) => cluster.auth(user);
try {
  const trades: { id: string; buyer: string; seller: string }[] = [];
  for (let i = 0; i < TRADES; i++) {
    const [buyer, seller] = [`soak-b${i}`, `soak-s${i}`];
    const res = await fetch(`${cluster.api.url}/p2p/trades`, {
      method: 'POST',
      headers: { Authorization: auth(buyer), 'Content-Type': 'application/json' },
      body: JSON.stringify({ sellerId: seller, amount: '1', asset: 'USDT', fiat: 'VND' }),
    });
    trades.push({ id: ((await res.json()) as { id: string }).id, buyer, seller });
  }

  let received = 0;
  let connects = 0;
  const connectOne = async (slot: number) => {
    const trade = trades[slot % TRADES]!;
    const user = slot % 2 ? trade.buyer : trade.seller;
    const gateway = cluster.gateways[connects++ % cluster.gateways.length]!;
    const client = await StompTestClient.connect(gateway.url, slot % 3 ? 'websocket' : 'sockjs-websocket', {
      authorization: auth(user),
      heartbeatIncoming: 10_000,
      heartbeatOutgoing: 10_000,
    });
    const inbox = await client.subscribe(`/topic/trades/${trade.id}/chat`);
    await client.subscribe(`/topic/users/${user}/notifications`);
    return { client, inbox };
  };
  const slots = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connectOne(i)));

  let sent = 0;
  let failed = 0;
  const chat = setInterval(() => {
    const trade = trades[sent % TRADES]!;
    sent++;
    fetch(`${cluster.api.url}/p2p/trades/${trade.id}/chat`, {
      method: 'POST',
      headers: { Authorization: auth(trade.buyer), 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: `soak ${sent} — thử nghiệm` }),
    }).then(
      (r) => r.status !== 201 && failed++,
      () => failed++,
    );
  }, 1000 / CHAT_PER_SECOND);

  // A slot being replaced is skipped until its new client is in, so no client is ever
  // disconnected twice or replaced by two (which would leak a connection on this side).
  const churning = new Set<number>();
  const churn = setInterval(() => {
    for (let k = 0; k < CHURN_PER_SECOND; k++) {
      const slot = Math.floor(Math.random() * CLIENTS);
      if (churning.has(slot)) continue;
      churning.add(slot);
      const old = slots[slot]!;
      received += old.inbox.messages.length;
      void old.client
        .disconnect()
        .then(() => connectOne(slot))
        .then((fresh) => (slots[slot] = fresh))
        .finally(() => churning.delete(slot));
    }
  }, 1000);

  const samples: Sample[] = [];
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, deadline - Date.now())));
    const at = Math.round((Date.now() - started) / 1000);
    const labels: [RoleProcess, string][] = [
      [cluster.api, 'api'],
      [cluster.gateways[0]!, 'gateway-1'],
      [cluster.gateways[1]!, 'gateway-2'],
      [cluster.notification, 'notification'],
    ];
    samples.push(...(await Promise.all(labels.map(([p, l]) => sample(p, l, at)))));
    console.log(
      samples
        .slice(-4)
        .map((s) => `${s.role} rss=${s.rssMb.toFixed(0)}MB heap=${s.heapMb.toFixed(0)}MB handles=${s.handles} conns=${s.connections}`)
        .join(' | '),
    );
  }
  clearInterval(chat);
  clearInterval(churn);
  for (const s of slots) received += s.inbox.messages.length;
  await Promise.all(slots.map((s) => s.client.disconnect()));

  const window = Math.min(5 * 60, (minutes * 60) / 3);
  const summary = ['api', 'gateway-1', 'gateway-2', 'notification'].map((role) => {
    const mine = samples.filter((s) => s.role === role);
    const avg = (xs: Sample[], key: 'rssMb' | 'handles') => xs.reduce((a, s) => a + s[key], 0) / Math.max(1, xs.length);
    const first = mine.filter((s) => s.atSeconds <= window);
    const last = mine.filter((s) => s.atSeconds >= minutes * 60 - window);
    return { role, rssFirstMb: avg(first, 'rssMb'), rssLastMb: avg(last, 'rssMb'), handlesFirst: avg(first, 'handles'), handlesLast: avg(last, 'handles') };
  });
  const result = {
    minutes,
    clients: CLIENTS,
    chatPerSecond: CHAT_PER_SECOND,
    churnPerSecond: CHURN_PER_SECOND,
    sent,
    failed,
    received,
    connects,
    summary,
    samples,
  };
  await writeFile('soak-result.json', JSON.stringify(result, null, 2));
  console.table(
    summary.map((s) => ({
      ...s,
      rssFirstMb: s.rssFirstMb.toFixed(1),
      rssLastMb: s.rssLastMb.toFixed(1),
      handlesFirst: s.handlesFirst.toFixed(0),
      handlesLast: s.handlesLast.toFixed(0),
    })),
  );
  console.log(`sent ${sent} (failed ${failed}), deliveries counted ${received}, connects ${connects}; samples in soak-result.json`);
} finally {
  await cluster.close();
}
