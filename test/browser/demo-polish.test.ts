import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { uniqueUser } from '../support/gateway-harness.js';
import { useBrowserSuite, type DemoPage } from '../support/browser.js';

/** Whether any part of `covering` lies over `target` on screen. */
async function overlaps(target: Locator, covering: Locator): Promise<boolean> {
  const [a, boxes] = await Promise.all([target.boundingBox(), covering.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))]);
  assert.ok(a, 'the target is on screen');
  return boxes.some((b) => b.x < a.x + a.width && a.x < b.x + b.width && b.y < a.y + a.height && a.y < b.y + b.height);
}

/** The buyer opens `count` more trades with the seller over REST: each notifies the seller. */
async function notifySeller(suite: ReturnType<typeof useBrowserSuite>, buyer: string, seller: DemoPage, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await suite.system.http
      .post('/p2p/trades')
      .set('Authorization', suite.system.auth(buyer))
      .send({ sellerId: seller.userId, amount: String(10 + i), asset: 'USDT', fiat: 'VND' })
      .expect(201);
  }
}

describe('browser: demo page polish', function () {
  this.timeout(60_000);
  const suite = useBrowserSuite();

  it('loads without a 404 or a console error (the favicon included)', async () => {
    const demo = await suite.openPage();
    const problems: string[] = [];
    // The page's own files; what the API answers is the API suites' business.
    const isApi = (url: string) => new URL(url).pathname.startsWith('/p2p/');
    demo.page.on('console', (m) => m.type() === 'error' && !(m.location().url && isApi(m.location().url)) && problems.push(`console: ${m.text()}`));
    demo.page.on('response', (r) => r.status() >= 400 && !isApi(r.url()) && problems.push(`${r.status()} ${r.url()}`));
    await demo.login(uniqueUser('visitor'));
    await demo.waitForConnection('live');
    const icon = await demo.page.request.get(`${suite.system.baseUrl}/favicon.ico`);
    assert.equal(icon.status(), 200);
    assert.match(icon.headers()['content-type'] ?? '', /^image\/svg\+xml/);
    assert.deepEqual(problems, []);
  });

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    it(`toasts stay off the Send button and at most three show (${viewport.width}x${viewport.height})`, async () => {
      const { buyer, seller } = await suite.openTradeRoom({ seller: { viewport } });
      await notifySeller(suite, buyer.userId, seller, 5);
      await seller.waitForBadge(6);
      const toasts = seller.byTestId('toast');
      assert.equal(await toasts.count(), 3);
      await seller.byTestId('chat-send').scrollIntoViewIfNeeded();
      assert.equal(await overlaps(seller.byTestId('chat-send'), toasts), false, 'a toast covers Send');
      assert.equal(await overlaps(seller.byTestId('chat-input'), toasts), false, 'a toast covers the message box');
      await seller.screenshot(`demo-toasts-${viewport.width}.png`);
    });
  }

  it('the error banner does not cover the trade header', async () => {
    const { buyer } = await suite.openTradeRoom();
    // A refused trade opening shows an error while the open trade stays on screen.
    await buyer.byTestId('open-trade-seller').fill(uniqueUser('seller'));
    await buyer.byTestId('open-trade-amount').fill('lots');
    await buyer.byTestId('open-trade-submit').click();
    await buyer.byTestId('error').waitFor();
    await buyer.page.locator('.trade-head').waitFor();
    assert.equal(await overlaps(buyer.page.locator('.trade-head'), buyer.byTestId('error')), false);
  });

  it('clicking a toast opens the trade it is about', async () => {
    const { tradeId, buyer, seller } = await suite.openTradeRoom();
    await notifySeller(suite, buyer.userId, seller, 1);
    // The room's own trade toasted the seller too: wait for the toast about the new one.
    const toast = seller
      .toast('a buyer opened a trade with you')
      .filter({ hasNotText: tradeId.slice(0, 8) })
      .last();
    await toast.waitFor();
    const shortId = /\b[0-9a-f]{8}\b/.exec((await toast.textContent()) ?? '')?.[0];
    assert.ok(shortId && !tradeId.startsWith(shortId), 'the toast is about the new trade');
    await toast.click();
    await seller
      .byTestId('trade-id')
      .filter({ hasText: new RegExp(`^${shortId}`) })
      .waitFor();
    await seller.waitForStatus('PENDING');
  });

  it('Release and Dispute ask first; saying no changes nothing', async () => {
    const { buyer, seller } = await suite.openTradeRoom();
    await buyer.pressStatus('PAID');
    await seller.waitForStatus('PAID');
    const asked: string[] = [];
    seller.page.on('dialog', (d) => void asked.push(d.message()));
    await seller.pressStatus('RELEASED', false);
    await seller.pressStatus('DISPUTED', false);
    assert.equal(asked.length, 2);
    assert.match(asked[0]!, /Release the assets/);
    assert.match(asked[1]!, /dispute/i);
    const res = await suite.system.http.get(`/p2p/trades?limit=1`).set('Authorization', suite.system.auth(seller.userId)).expect(200);
    assert.equal((res.body as { status: string }[])[0]?.status, 'PAID', 'the server still has PAID');
    await seller.pressStatus('RELEASED');
    await Promise.all([seller.waitForStatus('RELEASED'), buyer.waitForStatus('RELEASED')]);
  });
});
