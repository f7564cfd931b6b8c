import assert from 'node:assert/strict';
import { expectChatMatchesServer, useBrowserSuite, type DemoPage } from '../support/browser.js';

// The texts of src/contract/trade-transitions.ts and src/workers/notification-worker.ts.
const PAID_SYSTEM = 'The buyer marked the trade as paid';
const RELEASED_SYSTEM = 'The seller released the assets';
const OPENED_TOAST = 'a buyer opened a trade with you';
const PAID_TOAST = 'the buyer marked it as paid';
const RELEASED_TOAST = 'the seller released the assets';

/**
 * Proves `page` shows no system message without waiting for nothing: `from` sends a message,
 * and the page delivers in seq order, so once that later message is on screen every earlier
 * seq has been settled, shown or (as the other side's) skipped.
 */
async function expectNoSystemMessages(page: DemoPage, from: DemoPage, text: string): Promise<void> {
  await from.send(text);
  await page.message(text).waitFor({ timeout: 5000 });
  assert.deepEqual(
    (await page.chat()).filter((e) => e.system),
    [],
    `${page.userId} was shown a system message`,
  );
}

describe('browser: trade status, system messages and notifications', function () {
  this.timeout(60_000);
  const suite = useBrowserSuite();

  it('shows each system message to its recipient only, with a toast and the badge count', async () => {
    const { tradeId, buyer, seller } = await suite.openTradeRoom();
    // Opening the trade notified the seller; counted first, so the next notification's increment is its own.
    await seller.toast(OPENED_TOAST).waitFor();
    await seller.waitForBadge(1);
    await buyer.waitForBadge(0);
    assert.deepEqual(await buyer.statusChoices(), ['PAID', 'CANCELLED']);
    assert.deepEqual(await seller.statusChoices(), []);

    await buyer.pressStatus('PAID');
    await Promise.all([buyer.waitForStatus('PAID'), seller.waitForStatus('PAID')]);
    await seller.systemMessage(PAID_SYSTEM).waitFor();
    await seller.toast(PAID_TOAST).waitFor();
    await seller.waitForBadge(2);
    await expectNoSystemMessages(buyer, seller, 'Để mình kiểm tra tài khoản');
    await buyer.waitForBadge(0);
    assert.deepEqual(await buyer.statusChoices(), ['DISPUTED']);
    assert.deepEqual(await seller.statusChoices(), ['RELEASED', 'DISPUTED']);

    await seller.pressStatus('RELEASED');
    await Promise.all([buyer.waitForStatus('RELEASED'), seller.waitForStatus('RELEASED')]);
    await buyer.systemMessage(RELEASED_SYSTEM).waitFor();
    await buyer.toast(RELEASED_TOAST).waitFor();
    await buyer.waitForBadge(1);
    await buyer.send('Nhận được rồi, cảm ơn bạn!');
    await seller.message('Nhận được rồi, cảm ơn bạn!').waitFor({ timeout: 5000 });
    // The seller still has only its own (PAID) system message, and no new notification.
    const sellerSystem = (await seller.chat()).filter((e) => e.system);
    assert.equal(sellerSystem.length, 1);
    assert.ok(sellerSystem[0]?.text.startsWith(PAID_SYSTEM));
    await seller.waitForBadge(2);
    assert.equal(await seller.toast(RELEASED_TOAST).count(), 0);
    assert.deepEqual(await buyer.statusChoices(), []);
    assert.deepEqual(await seller.statusChoices(), []);

    // Each side's chat is exactly what the server keeps for it.
    await expectChatMatchesServer(suite, buyer, tradeId);
    await expectChatMatchesServer(suite, seller, tradeId);
  });
});
