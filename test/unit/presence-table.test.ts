import assert from 'node:assert/strict';
import { PresenceTable } from '../../src/gateway/presence-table.js';
import type { GatewayPresenceEvent, TradeParty } from '../../src/contract/events.js';
import { sleep } from '../support/eventually.js';

const T = '0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11';
const bob: TradeParty = { tradeId: T, userId: 'bob' };
const sue: TradeParty = { tradeId: T, userId: 'sue' };

function table(graceMs = 30) {
  const changes: string[] = [];
  const holds: string[] = [];
  const t = new PresenceTable(graceMs, {
    changed: (p, online) => changes.push(`${p.userId} ${online ? 'online' : 'offline'}`),
    held: (p, held) => holds.push(`${p.userId} ${held ? 'held' : 'released'}`),
  });
  return { t, changes, holds };
}

const from = (gatewayId: string, fields: Partial<GatewayPresenceEvent>): GatewayPresenceEvent => ({
  eventId: 'e',
  gatewayId,
  ttlMs: 60_000,
  snapshot: false,
  held: [],
  released: [],
  wantsSnapshots: false,
  ...fields,
});

describe('presence table', () => {
  it('holds a party from its first chat subscription here until the grace period after its last', async () => {
    const { t, changes, holds } = table();
    t.subscribed(bob);
    t.subscribed(bob);
    t.unsubscribed(bob);
    t.unsubscribed(bob);
    assert.ok(t.isOnline(bob));
    assert.deepEqual(t.held(), [bob]);
    await sleep(60);
    assert.ok(!t.isOnline(bob));
    assert.deepEqual(changes, ['bob online', 'bob offline']);
    assert.deepEqual(holds, ['bob held', 'bob released']);
    t.close();
  });

  it('a subscription within the grace period keeps the party without a change', async () => {
    const { t, changes } = table();
    t.subscribed(bob);
    t.unsubscribed(bob);
    t.subscribed(bob);
    await sleep(60);
    assert.deepEqual(changes, ['bob online']);
    t.close();
  });

  it('a party is online while any gateway holds it: changes, snapshots and lapses', async () => {
    const { t, changes } = table();
    t.applyRemote(from('a', { held: [bob] }));
    t.applyRemote(from('b', { held: [bob, sue], snapshot: true, ttlMs: 40 }));
    assert.deepEqual(changes, ['bob online', 'sue online']);
    // A snapshot replaces what the gateway said before.
    t.applyRemote(from('a', { snapshot: true, held: [] }));
    assert.deepEqual(changes, ['bob online', 'sue online']);
    await sleep(80);
    assert.deepEqual(changes, ['bob online', 'sue online', 'bob offline', 'sue offline']);
    t.applyRemote(from('a', { held: [sue] }));
    t.applyRemote(from('a', { released: [sue, bob] }));
    assert.deepEqual(changes.slice(4), ['sue online', 'sue offline']);
    t.close();
  });

  it('a message renews the lapse of everything its gateway holds', async () => {
    const { t, changes } = table();
    // Timers fire in expiry order, so a late sleep() still runs before the renewed lapse.
    t.applyRemote(from('a', { held: [bob], ttlMs: 300 }));
    await sleep(200);
    t.applyRemote(from('a', { held: [sue], ttlMs: 300 }));
    await sleep(200);
    assert.deepEqual(changes, ['bob online', 'sue online']);
    t.close();
  });
});
