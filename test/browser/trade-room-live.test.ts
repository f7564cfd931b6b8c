import assert from 'node:assert/strict';
import type { Page, Request } from 'playwright-core';
import { eventually, sleep } from '../support/eventually.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { useBrowserSuite, type DemoPage } from '../support/browser.js';

// room-live.ts: what the page shows of the other party while the trade is open.
const tickOf = (page: DemoPage, text: string) => page.message(text).getByTestId('read-tick');
const presenceOf = (page: DemoPage) => page.byTestId('presence-dot');
const unreadBadge = (page: DemoPage, tradeId: string) => page.page.locator(`li:has([data-trade-id="${tradeId}"])`).getByTestId('unread-badge');

async function waitForAttribute(locator: ReturnType<DemoPage['byTestId']>, name: string, value: string, timeoutMs = 10_000): Promise<void> {
  await locator.and(locator.page().locator(`[${name}="${value}"]`)).waitFor({ timeout: timeoutMs });
}

/** The page's STOMP subscriptions now, by id, as its SUBSCRIBE and UNSUBSCRIBE frames left it (SockJS framing). */
function trackSubscriptions(page: Page): Map<string, string> {
  const subscriptions = new Map<string, string>();
  page.on('websocket', (ws) =>
    ws.on('framesent', ({ payload }) => {
      const text = String(payload);
      // SockJS wraps frames in a JSON array; a plain WebSocket (the library's `auto`) carries them as they are.
      const frames = text.startsWith('[') ? (JSON.parse(text) as string[]) : text.split('\0');
      for (const frame of frames) {
        const [command, ...lines] = frame.replace(/^\n+/, '').split('\n\n')[0]!.split('\n');
        const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));
        if (command === 'SUBSCRIBE') subscriptions.set(headers.get('id')!, headers.get('destination')!);
        if (command === 'UNSUBSCRIBE') subscriptions.delete(headers.get('id')!);
      }
    }),
  );
  return subscriptions;
}

/** The trades with a subscription to `/topic/trades/{id}/<kind>`, sorted. */
const subscribedTrades = (subscriptions: Map<string, string>, kind: string) =>
  [...subscriptions.values()]
    .map((destination) => new RegExp(`^/topic/trades/([^/]+)/${kind}$`).exec(destination)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();

/** Two fresh users logged in and live; the buyer has opened a trade the seller has not looked at. */
async function openedByBuyer(suite: ReturnType<typeof useBrowserSuite>) {
  const [buyer, seller] = await Promise.all([suite.openPage(), suite.openPage()]);
  await Promise.all([buyer.login(uniqueUser('buyer')), seller.login(uniqueUser('seller'))]);
  await Promise.all([buyer.waitForConnection('live'), seller.waitForConnection('live')]);
  const tradeId = await buyer.openTrade(seller.userId);
  return { tradeId, buyer, seller };
}

describe('browser: the live trade room (read ticks, typing, presence, unread badges)', function () {
  this.timeout(90_000);
  const suite = useBrowserSuite();

  it('sends chat over the socket: no REST send, the message reaches both sides', async () => {
    const { tradeId, buyer, seller } = await suite.openTradeRoom();
    const restSends: string[] = [];
    const onRequest = (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/chat')) restSends.push(request.url());
    };
    buyer.page.on('request', onRequest);
    await buyer.send('Gửi qua WebSocket');
    await seller.message('Gửi qua WebSocket').waitFor({ timeout: 5000 });
    assert.deepEqual(restSends, []);
    assert.deepEqual(
      (await suite.serverChat(tradeId, buyer.userId)).map((m) => m.message),
      ['Gửi qua WebSocket'],
    );
  });

  it('ticks an own message once when sent, twice once the other party has read it', async () => {
    const { tradeId, buyer, seller } = await openedByBuyer(suite);
    await buyer.send('Bạn ở đó không?');
    await waitForAttribute(tickOf(buyer, 'Bạn ở đó không?'), 'data-read', 'false');
    // Unseen while the seller has not opened the trade.
    await sleep(1000);
    assert.equal(await tickOf(buyer, 'Bạn ở đó không?').getAttribute('data-read'), 'false');

    await seller.joinTrade(tradeId);
    await waitForAttribute(tickOf(buyer, 'Bạn ở đó không?'), 'data-read', 'true');
    assert.equal(await tickOf(buyer, 'Bạn ở đó không?').textContent(), '✓✓');
    // The seller's own view has no tick on the buyer's message.
    assert.equal(await tickOf(seller, 'Bạn ở đó không?').count(), 0);
    // Seen survives a reload: the trade carries the other party's read seq.
    await buyer.page.reload();
    await waitForAttribute(tickOf(buyer, 'Bạn ở đó không?'), 'data-read', 'true');
  });

  it('shows "typing…" while the other party types, and hides it when they stop or send', async () => {
    const { buyer, seller } = await suite.openTradeRoom();
    const typing = buyer.byTestId('typing-indicator');
    assert.equal(await typing.isVisible(), false);
    await seller.byTestId('chat-input').pressSequentially('Đang gõ', { delay: 50 });
    await typing.waitFor({ timeout: 5000 });
    assert.equal(await typing.textContent(), `${seller.userId} is typing…`);
    // The typer sees no indicator of its own.
    assert.equal(await seller.byTestId('typing-indicator').isVisible(), false);
    await typing.waitFor({ state: 'hidden', timeout: 6000 });

    await seller.byTestId('chat-input').pressSequentially('Xong', { delay: 50 });
    await typing.waitFor({ timeout: 5000 });
    await seller.byTestId('chat-send').click();
    await buyer.message('Đang gõXong').waitFor({ timeout: 5000 });
    assert.equal(await typing.isVisible(), false);
  });

  it('shows the other party online while their page is open, and offline after they leave', async () => {
    const buyer = await suite.openPage();
    await buyer.login(uniqueUser('buyer'));
    await buyer.waitForConnection('live');
    // A seller who has no page open yet.
    const sellerId = uniqueUser('seller');
    await buyer.openTrade(sellerId);
    await waitForAttribute(presenceOf(buyer), 'data-online', 'false');

    // Their page follows the trades in their list, so opening it is enough to show them online.
    const seller = await suite.openPage();
    await seller.login(sellerId);
    await waitForAttribute(presenceOf(buyer), 'data-online', 'true');
    // Gone without a goodbye: offline after the grace period (at most 10 s).
    await seller.context.close();
    await waitForAttribute(presenceOf(buyer), 'data-online', 'false', 15_000);
  });

  it('counts unread messages in "Your trades" live, clears them when read, and keeps the count across a reload', async () => {
    const { tradeId, buyer, seller } = await openedByBuyer(suite);
    const badge = unreadBadge(seller, tradeId);
    await seller
      .byTestId('recent-trade')
      .and(seller.page.locator(`[data-trade-id="${tradeId}"]`))
      .waitFor();
    await buyer.send('Một');
    await badge.filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    await buyer.send('Hai');
    await badge.filter({ hasText: /^2$/ }).waitFor({ timeout: 10_000 });
    // The server's count: the same after a restart of the page.
    await seller.page.reload();
    await seller.waitForConnection('live');
    await unreadBadge(seller, tradeId).filter({ hasText: /^2$/ }).waitFor({ timeout: 10_000 });

    await seller
      .byTestId('recent-trade')
      .and(seller.page.locator(`[data-trade-id="${tradeId}"]`))
      .click();
    await seller.message('Hai').waitFor();
    await unreadBadge(seller, tradeId).waitFor({ state: 'hidden', timeout: 10_000 });
    await seller.page.reload();
    await seller.waitForConnection('live');
    await seller
      .byTestId('recent-trade')
      .and(seller.page.locator(`[data-trade-id="${tradeId}"]`))
      .waitFor();
    assert.equal(await unreadBadge(seller, tradeId).isVisible(), false);
    // The sender never sees its own messages as unread.
    assert.equal(await unreadBadge(buyer, tradeId).isVisible(), false);
  });

  it('while polling: sends over REST, ticks from the long poll, the other party unknown here and offline there', async () => {
    const { buyer, seller } = await suite.openTradeRoom({ buyer: { switchableSocket: true } });
    await waitForAttribute(presenceOf(seller), 'data-online', 'true');
    await buyer.socket!.cut();
    await buyer.waitForConnection('polling', 5000);
    await waitForAttribute(presenceOf(buyer), 'data-online', 'unknown');

    await buyer.send('Gửi khi mất socket');
    await seller.message('Gửi khi mất socket').waitFor({ timeout: 5000 });
    // The seller's page read it at once; the buyer's held sync answers as the read seq moves.
    await waitForAttribute(tickOf(buyer, 'Gửi khi mất socket'), 'data-read', 'true', 5000);
    // A user on the REST fallback counts as offline. The cut socket is not closed at the gateway's
    // end: it notices by the missed heart-beats (about 30 s here), then waits out the grace period.
    await waitForAttribute(presenceOf(seller), 'data-online', 'false', 45_000);
  });

  it('follows only the trades in "Your trades", and the room signals of the trade on screen only', async () => {
    const buyer = await suite.openPage();
    const subscriptions = trackSubscriptions(buyer.page);
    await buyer.login(uniqueUser('buyer'));
    await buyer.waitForConnection('live');
    // More trades than the list shows (10): the oldest leave it as the others open.
    for (let i = 0; i < 12; i++)
      await suite.system.http
        .post('/p2p/trades')
        .set('Authorization', suite.system.auth(buyer.userId))
        .send({ sellerId: uniqueUser('seller'), amount: '10', asset: 'USDT', fiat: 'VND' })
        .expect(201);
    const listed = async () => (await buyer.byTestId('recent-trade').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.tradeId!))).sort();
    await eventually(async () => assert.equal((await listed()).length, 10), 10_000, 100);
    await eventually(async () => assert.deepEqual(subscribedTrades(subscriptions, 'chat'), await listed()), 10_000, 100);
    assert.deepEqual(subscribedTrades(subscriptions, 'typing'), []);

    const [first, second] = await listed();
    await buyer.joinTrade(first!);
    await eventually(() => assert.deepEqual(subscribedTrades(subscriptions, 'presence'), [first]), 5_000, 50);
    await buyer.joinTrade(second!);
    await eventually(() => assert.deepEqual(subscribedTrades(subscriptions, 'presence'), [second]), 5_000, 50);
    assert.deepEqual(subscribedTrades(subscriptions, 'read'), [second]);
    assert.deepEqual(subscribedTrades(subscriptions, 'chat'), await listed());
    assert.equal(await buyer.connectionState(), 'live');
  });
});
