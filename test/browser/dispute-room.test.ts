import assert from 'node:assert/strict';
import type { ChatMessage } from '../../client/src/wire.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { eventually, sleep } from '../support/eventually.js';
import { useBrowserSuite, type BrowserSuite, type DemoPage, type TradeRoom } from '../support/browser.js';

const DISPUTE_SYSTEM = 'opened a dispute';

/** A room whose buyer marked it paid and then disputed it: what a mediator is called into. */
async function disputedRoom(suite: BrowserSuite): Promise<TradeRoom> {
  const room = await suite.openTradeRoom();
  await room.buyer.pressStatus('PAID');
  await room.seller.waitForStatus('PAID');
  await room.buyer.pressStatus('DISPUTED');
  await Promise.all([room.buyer.waitForStatus('DISPUTED'), room.seller.waitForStatus('DISPUTED')]);
  return room;
}

async function loginMediator(suite: BrowserSuite): Promise<DemoPage> {
  const mediator = await suite.openPage();
  await mediator.login(uniqueUser('mediator'), { admin: true });
  await mediator.waitForConnection('live');
  return mediator;
}

/** The mediator picks the trade from the Disputes list; resolves once its room is loaded. */
async function joinFromDisputes(mediator: DemoPage, tradeId: string): Promise<void> {
  await mediator
    .byTestId('dispute')
    .and(mediator.page.locator(`[data-trade-id="${tradeId}"]`))
    .click();
  await mediator.byTestId('trade-id').filter({ hasText: tradeId }).waitFor();
  await mediator.waitForStatus('DISPUTED');
}

/** The chat entries shown as the mediator's (their own bubble, not a side's). */
function mediatorBubbles(page: DemoPage) {
  return page.byTestId('chat-message').and(page.page.locator('[data-sender-role="MEDIATOR"]'));
}

async function adminChat(suite: BrowserSuite, tradeId: string, userId: string): Promise<ChatMessage[]> {
  const res = await suite.system.http
    .get(`/p2p/trades/${tradeId}/chat`)
    .query({ afterSeq: 0, limit: 1000 })
    .set('Authorization', suite.system.auth(userId, { admin: true }))
    .expect(200);
  return res.body as ChatMessage[];
}

describe('browser: the dispute room (mediator)', function () {
  this.timeout(90_000);
  const suite = useBrowserSuite();

  it('logs an admin in with a Disputes list of the disputed trades only; a party has no such list', async () => {
    const { tradeId, buyer } = await disputedRoom(suite);
    // Another trade of the same buyer, not disputed: not the mediator's business.
    const calm = await buyer.openTrade(uniqueUser('seller'));
    const mediator = await loginMediator(suite);

    await mediator.byTestId('disputes-panel').waitFor();
    await mediator
      .byTestId('dispute')
      .and(mediator.page.locator(`[data-trade-id="${tradeId}"]`))
      .waitFor();
    const listed = await mediator.byTestId('dispute').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.tradeId));
    assert.ok(!listed.includes(calm), 'a trade that is not disputed is listed');
    assert.equal(await buyer.byTestId('disputes-panel').isVisible(), false);
  });

  it("shows the mediator every message, both sides' system messages included; both parties see the mediator's bubble", async () => {
    const { tradeId, buyer, seller } = await disputedRoom(suite);
    await buyer.send('Tôi đã chuyển khoản rồi, đây là biên lai');
    const mediator = await loginMediator(suite);
    await joinFromDisputes(mediator, tradeId);
    assert.match((await mediator.byTestId('trade-summary').textContent()) ?? '', /you mediate between buyer .+ and seller .+/);
    assert.deepEqual(await mediator.statusChoices(), [], 'the parties’ status buttons are not the mediator’s');

    // Exactly what the server holds for an admin: the seller's PAID message and the dispute's, the buyer's chat.
    await eventually(
      async () => {
        const server = await adminChat(suite, tradeId, mediator.userId);
        assert.deepEqual(
          (await mediator.chat()).map((e) => [e.seq, e.system, e.text]),
          server.map((m) => [m.seq, m.isSystemMessage, m.message]),
        );
        assert.ok(server.some((m) => m.recipientRole === 'SELLER'));
        assert.ok(server.some((m) => m.message.includes(DISPUTE_SYSTEM)));
      },
      10_000,
      100,
    );

    const text = 'Xin chào, tôi là người hòa giải. Vui lòng gửi bằng chứng thanh toán.';
    await mediator.send(text);
    for (const party of [buyer, seller]) {
      await mediatorBubbles(party).filter({ hasText: text }).waitFor({ timeout: 5000 });
      assert.match((await mediatorBubbles(party).locator('.meta').textContent()) ?? '', /^Mediator/);
    }
    // The parties still talk to each other in their own bubbles.
    await seller.send('Tôi chưa nhận được tiền');
    await mediator.message('Tôi chưa nhận được tiền').waitFor({ timeout: 5000 });
    assert.equal(await mediator.message('Tôi chưa nhận được tiền').getAttribute('data-sender-role'), 'SELLER');
    // The mediator's room mid-dispute, its transcript checked, for docs/demo.md.
    await mediator.byTestId('transcript-verify').click();
    await mediator.byTestId('transcript-state').and(mediator.page.locator('[data-state="verified"]')).waitFor({ timeout: 10_000 });
    await mediator.screenshot('dispute-room.png');
  });

  it("shows the mediator both parties' dots and typing, each by name, with no read ticks and no read receipts sent", async () => {
    const { tradeId, buyer, seller } = await disputedRoom(suite);
    const mediator = await suite.openPage();
    // The mediator has no read state: a receipt from them is refused (403 / a user error) every time.
    const readSends: string[] = [];
    mediator.page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        if (String(payload).includes(`/app/trades/${tradeId}/read`)) readSends.push(String(payload));
      }),
    );
    mediator.page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/read')) readSends.push(request.url());
    });
    await mediator.login(uniqueUser('mediator'), { admin: true });
    await mediator.waitForConnection('live');
    await joinFromDisputes(mediator, tradeId);

    const dot = (party: DemoPage, online: boolean) =>
      mediator.page.locator(`[data-testid="presence-dot"][data-user-id="${party.userId}"][data-online="${online}"]`);
    await Promise.all([dot(buyer, true).waitFor({ timeout: 10_000 }), dot(seller, true).waitFor({ timeout: 10_000 })]);

    const typing = mediator.byTestId('typing-indicator');
    await seller.byTestId('chat-input').pressSequentially('Tôi chưa nhận', { delay: 50 });
    await typing.filter({ hasText: `${seller.userId} (seller) is typing…` }).waitFor({ timeout: 5000 });
    assert.doesNotMatch((await typing.textContent()) ?? '', new RegExp(buyer.userId));
    await seller.byTestId('chat-send').click();
    await buyer.send('Biên lai đây');
    await Promise.all([mediator.message('Tôi chưa nhận').waitFor({ timeout: 5000 }), mediator.message('Biên lai đây').waitFor({ timeout: 5000 })]);
    await mediator.send('Đã nhận bằng chứng');
    assert.equal(await mediator.message('Đã nhận bằng chứng').getByTestId('read-tick').count(), 0, 'a tick the mediator has no read state for');
    await sleep(1000);
    assert.deepEqual(readSends, []);

    // Gone without a goodbye: the seller's dot turns offline after the grace period, the buyer's stays.
    await seller.context.close();
    await dot(seller, false).waitFor({ timeout: 15_000 });
    assert.equal(await dot(buyer, true).count(), 1);
  });

  it('resolves with a reason: the buttons go, the room turns read-only for the mediator, and both parties see the decision', async () => {
    const { tradeId, buyer, seller } = await disputedRoom(suite);
    const mediator = await loginMediator(suite);
    await joinFromDisputes(mediator, tradeId);
    const reason = 'Biên lai ngân hàng khớp với số tiền';
    await mediator.byTestId('resolution-reason').fill(reason);
    mediator.page.once('dialog', (dialog) => void dialog.accept());
    await mediator.byTestId('resolve-RELEASED').click();

    await Promise.all([mediator.waitForStatus('RELEASED'), buyer.waitForStatus('RELEASED'), seller.waitForStatus('RELEASED')]);
    await mediator.byTestId('resolution-form').waitFor({ state: 'hidden' });
    await mediator.byTestId('chat-form').waitFor({ state: 'hidden' });
    await mediator.byTestId('room-read-only').waitFor();
    for (const party of [buyer, seller]) {
      await party.systemMessage(reason).waitFor({ timeout: 5000 });
      assert.deepEqual(await party.statusChoices(), []);
    }
    // The list shows the settled trade no longer as open (or not at all).
    await eventually(
      async () => {
        const item = mediator.byTestId('dispute').and(mediator.page.locator(`[data-trade-id="${tradeId}"]`));
        if ((await item.count()) === 0) return;
        assert.equal(await item.locator('xpath=..').locator('.status').textContent(), 'RELEASED');
      },
      10_000,
      100,
    );
    // The settled room's transcript, every entry of it in the mediator's view, verifies in the mediator's browser.
    await mediator.byTestId('transcript-verify').click();
    await mediator.byTestId('transcript-state').and(mediator.page.locator('[data-state="verified"]')).waitFor({ timeout: 10_000 });
    // The page offers no post, and the server would refuse one.
    const refused = await suite.system.http
      .post(`/p2p/trades/${tradeId}/chat`)
      .set('Authorization', suite.system.auth(mediator.userId, { admin: true }))
      .send({ message: 'too late' });
    assert.equal(refused.status, 403);
  });

  it('cancels to the seller from the other button', async () => {
    const { tradeId, buyer, seller } = await disputedRoom(suite);
    const mediator = await loginMediator(suite);
    await joinFromDisputes(mediator, tradeId);
    mediator.page.once('dialog', (dialog) => void dialog.accept());
    await mediator.byTestId('resolve-CANCELLED').click();
    await Promise.all([mediator.waitForStatus('CANCELLED'), buyer.waitForStatus('CANCELLED'), seller.waitForStatus('CANCELLED')]);
    await mediator.byTestId('room-read-only').waitFor();
  });
});
