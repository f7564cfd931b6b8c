import assert from 'node:assert/strict';
import { DestinationGuard } from '../../src/gateway/destinations.js';
import { destinations, parseDestination } from '../../src/contract/destinations.js';
import type { TradeAccess } from '../../src/domain/trade-access.js';
import { AppUserError } from '../../src/gateway/app-sends/app-user-error.js';

const TRADE = '0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11';

describe('gateway destinations', () => {
  it('parses exactly the destinations of the contract, which the builders produce', () => {
    assert.deepEqual(parseDestination(destinations.allTrades), { kind: 'all-trades' });
    assert.deepEqual(parseDestination(destinations.trade(TRADE)), { kind: 'trade', tradeId: TRADE });
    assert.deepEqual(parseDestination(destinations.tradeChat(TRADE)), { kind: 'trade-chat', tradeId: TRADE });
    assert.deepEqual(parseDestination(destinations.userTrades('a.b@c:d_e-1')), { kind: 'user-trades', userId: 'a.b@c:d_e-1' });
    assert.deepEqual(parseDestination(destinations.userNotifications('alice')), { kind: 'user-notifications', userId: 'alice' });
  });

  it('knows nothing else: no wildcards, no normalisation, no other spelling', () => {
    for (const text of [
      '',
      '/',
      '/topic',
      '/topic/',
      '/topic/trades/',
      '/topic/trades/*',
      '/topic/trades/**',
      '/topic/**',
      '/topic/#',
      '/topic/>',
      `/topic/trades/${TRADE.toUpperCase()}`,
      `/topic/trades/${TRADE}/`,
      `/topic/trades/${TRADE}/chat/`,
      `/topic/trades/${TRADE}/chat/x`,
      `/topic/trades/${TRADE}/../${TRADE}`,
      '/topic/users/alice',
      '/topic/users/alice/',
      '/topic/users/*/trades',
      '/topic/users/x/../alice/trades',
      '/topic/users/a b/trades',
      '/topic/users/alice/orders',
      `/queue/trades/${TRADE}`,
      '/topic//users/alice/trades',
      'topic/trades',
      '/topic/trades?x=1',
      '/topic/users/alice\n/trades',
    ]) {
      assert.equal(parseDestination(text), undefined, text);
    }
  });

  describe('DestinationGuard', () => {
    const DISPUTED = '1b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11';
    const roles: TradeAccess = {
      roleInTrade: async (tradeId, userId) => ([TRADE, DISPUTED].includes(tradeId) ? (userId === 'bob' ? 'BUYER' : userId === 'sue' ? 'SELLER' : null) : null),
      mediable: async (tradeId) => tradeId === DISPUTED,
    };
    const joins: [string, string][] = [];
    const guard = new DestinationGuard(roles, async (tradeId, authorization) => {
      joins.push([tradeId, authorization]);
    });
    const user = (userId: string, isAdmin = false) => ({ userId, isAdmin });

    it('applies the table of who may subscribe', async () => {
      const cases: [string, ReturnType<typeof user>, boolean][] = [
        [destinations.allTrades, user('root', true), true],
        [destinations.allTrades, user('bob'), false],
        [destinations.trade(TRADE), user('bob'), true],
        [destinations.trade(TRADE), user('root', true), true],
        [destinations.trade(TRADE), user('eve'), false],
        [destinations.tradeChat(TRADE), user('sue'), true],
        [destinations.tradeChat(TRADE), user('root', true), false],
        [destinations.tradeChat(TRADE), user('eve'), false],
        [destinations.userTrades('bob'), user('bob'), true],
        [destinations.userTrades('bob'), user('root', true), false],
        [destinations.userNotifications('bob'), user('sue'), false],
        ['/topic/trades/*', user('root', true), false],
      ];
      for (const [destination, actor, granted] of cases) {
        assert.equal((await guard.check(destination, actor)).granted, granted, `${actor.userId} on ${destination}`);
      }
    });

    it("lets an admin into a disputed trade's room as MEDIATOR, recording the join for the chat only", async () => {
      joins.length = 0;
      const root = user('root', true);
      assert.deepEqual(await guard.check(destinations.tradeChat(DISPUTED), root, 'Bearer root'), { granted: true, role: 'MEDIATOR' });
      assert.deepEqual(joins, [[DISPUTED, 'Bearer root']]);
      assert.deepEqual(await guard.check(destinations.tradeRead(DISPUTED), root, 'Bearer root'), { granted: true, role: 'MEDIATOR' });
      assert.equal(joins.length, 1, 'read receipts are the same room, not a second join');
      assert.equal((await guard.check(destinations.tradeChat(DISPUTED), user('eve'))).granted, false, 'not for a non-admin');
      assert.deepEqual(await guard.check(destinations.tradeChat(DISPUTED), user('bob')), { granted: true, role: 'BUYER' }, 'a party stays a party');
      assert.equal(joins.length, 1);
    });

    it('refuses a mediator whose join the api refuses, and passes on a failure to record it', async () => {
      const refusing = new DestinationGuard(roles, async () => {
        throw new AppUserError('forbidden', 'not a mediator of this trade');
      });
      assert.deepEqual(await refusing.check(destinations.tradeChat(DISPUTED), user('root', true)), { granted: false, reason: 'not a mediator of this trade' });
      const down = new DestinationGuard(roles, async () => {
        throw new AppUserError('unavailable', 'the api is unavailable');
      });
      await assert.rejects(down.check(destinations.tradeChat(DISPUTED), user('root', true)), /unavailable/);
    });

    it("records the subscriber's side of the trade", async () => {
      assert.deepEqual(await guard.check(destinations.tradeChat(TRADE), user('bob')), { granted: true, role: 'BUYER' });
      assert.deepEqual(await guard.check(destinations.tradeChat(TRADE), user('sue')), { granted: true, role: 'SELLER' });
    });
  });
});
