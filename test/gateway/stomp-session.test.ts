import assert from 'node:assert/strict';
import { frame } from '../support/raw-stomp.js';
import { eventually } from '../support/eventually.js';
import { setUpSession as setUp } from '../support/fake-session.js';

const TRADE = '0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11';

describe('gateway STOMP session', () => {
  it('answers a failing access check with ERROR and a close, not an exception', async () => {
    const { connection, quota } = setUp({ roleInTrade: async () => Promise.reject(new Error('database down')), mediable: async () => false });
    connection.receive(frame('SUBSCRIBE', { id: '1', destination: `/topic/trades/${TRADE}/chat`, receipt: 'r' }));
    await eventually(() => assert.equal(connection.frames.at(-1)?.command, 'ERROR'));
    assert.match(connection.frames.at(-1)!.headers.message!, /try again later/);
    assert.equal(connection.frames.at(-1)!.headers['receipt-id'], 'r');
    assert.equal(connection.closedWith, 1013);
    assert.equal(quota.tryAcquire('bob'), true, "the user's connection slot was released");
  });

  it('ends only its own connection when handling it throws', async () => {
    const { connection, registry, quota } = setUp();
    connection.receive(frame('SUBSCRIBE', { id: '1', destination: `/topic/trades/${TRADE}/chat`, receipt: 'r' }));
    await eventually(() => assert.equal(connection.frames.at(-1)?.command, 'RECEIPT'));
    assert.equal(registry.size, 1);

    connection.failSends = true;
    registry.publish({ destination: `/topic/trades/${TRADE}/chat`, body: Buffer.from('{}'), audience: null });
    assert.equal(connection.closedWith, 'terminated');
    assert.equal(registry.size, 0);
    assert.equal(quota.tryAcquire('bob'), true, "the user's connection slot was released");
  });

  it('releases its subscriptions and connection slot when the client goes', async () => {
    const { connection, registry, quota } = setUp();
    connection.receive(frame('SUBSCRIBE', { id: '1', destination: '/topic/users/bob/trades', receipt: 'r' }));
    await eventually(() => assert.equal(registry.size, 1));
    assert.equal(quota.tryAcquire('bob'), false);
    connection.clientCloses();
    assert.equal(registry.size, 0);
    assert.equal(quota.tryAcquire('bob'), true);
  });

  // The wire codes clients already act on (RFC 6455 7.4.1); the table is src/contract/close-codes.ts.
  const endings: [string, number, (t: ReturnType<typeof setUp>) => void][] = [
    ['a frame out of protocol', 1002, ({ connection }) => connection.receive(frame('CONNECT', { 'accept-version': '1.2' }))],
    ['a refused token', 1008, () => undefined],
    ['a forbidden frame', 1008, ({ connection }) => connection.receive(frame('SEND', { destination: '/topic/x' }))],
    ['an unsupported frame', 1008, ({ connection }) => connection.receive(frame('ACK', { id: '1' }))],
    ['DISCONNECT', 1000, ({ connection }) => connection.receive(frame('DISCONNECT', {}))],
    ['a server shutdown', 1001, ({ session }) => session.shutdown()],
    ['its token expired', 4401, ({ session }) => session.expireIfBefore(Date.now() + 61_000)],
  ];
  for (const [name, code, act] of endings) {
    it(`closes with ${code} after ${name}`, () => {
      const t = setUp(undefined, name === 'a refused token' ? 'Bearer mallory' : 'Bearer bob');
      act(t);
      return eventually(() => assert.equal(t.connection.closedWith, code));
    });
  }
  it('holds a full set of SUBSCRIBEs behind a slow access check, and cuts a client that sends more', async () => {
    // maxSubscriptions is 10 here: 10 + 32 frames may wait, the next is a flood.
    const { connection } = setUp({ roleInTrade: () => new Promise(() => {}), mediable: async () => false });
    const subscribe = (i: number) => frame('SUBSCRIBE', { id: `s${i}`, destination: `/topic/trades/${TRADE}/chat`, receipt: `r${i}` });
    await new Promise(setImmediate); // CONNECT handled: the first SUBSCRIBE below waits on its check
    connection.receive(Array.from({ length: 43 }, (_, i) => subscribe(i)).join(''));
    assert.equal(connection.closedWith, undefined, 'a burst within the bound was cut');
    connection.receive(subscribe(43));
    assert.equal(connection.frames.at(-1)?.command, 'ERROR');
    assert.match(connection.frames.at(-1)!.headers.message!, /too many frames sent ahead/);
  });

  it('drops a client whose unsent data passes the limit', () => {
    const { connection, quota } = setUp();
    connection.bufferedBytes = () => 2048;
    connection.receive(frame('UNSUBSCRIBE', { id: 'x', receipt: 'r' }));
    return eventually(() => {
      assert.equal(connection.closedWith, 'terminated');
      assert.equal(quota.tryAcquire('bob'), true);
    });
  });
});
