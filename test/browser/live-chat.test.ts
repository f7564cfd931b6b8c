import assert from 'node:assert/strict';
import { expectChatMatchesServer, useBrowserSuite } from '../support/browser.js';

// Vietnamese with every kind of diacritic (stacked tone marks, đ, ₫) and a non-BMP emoji: the
// text must survive the input, REST, the outbox, STOMP framing and the DOM unchanged.
const FROM_BUYER = 'Chào bạn! Mình đã chuyển khoản 2.500.000 ₫ qua Vietcombank, bạn kiểm tra giúp nhé 👋';
const FROM_SELLER = 'Đã nhận đủ tiền rồi, cảm ơn bạn. Mình giải phóng USDT ngay — chúc một ngày tốt lành!';

describe('browser: live chat between buyer and seller', function () {
  this.timeout(60_000);
  const suite = useBrowserSuite();

  it('delivers messages both ways over the socket, Vietnamese text intact', async () => {
    const { tradeId, buyer, seller } = await suite.openTradeRoom();
    assert.equal(await buyer.connectionState(), 'live');
    assert.equal(await seller.connectionState(), 'live');
    // Joining loaded each side's history over REST; while live, nothing else may: whatever
    // arrives from now on has come through the socket.
    const historyLoads = [buyer.apiGets.chatGets(tradeId).length, seller.apiGets.chatGets(tradeId).length];

    await buyer.send(FROM_BUYER);
    await seller.message(FROM_BUYER).waitFor({ timeout: 5000 });
    await seller.send(FROM_SELLER);
    await buyer.message(FROM_SELLER).waitFor({ timeout: 5000 });

    const [buyerChat, sellerChat] = [await buyer.chat(), await seller.chat()];
    // Character for character (not a normalized or trimmed match) and in the same order.
    assert.deepEqual(
      buyerChat.map((e) => e.text),
      [FROM_BUYER, FROM_SELLER],
    );
    assert.deepEqual(
      sellerChat.map((e) => e.text),
      [FROM_BUYER, FROM_SELLER],
    );
    assert.deepEqual(
      buyerChat.map((e) => e.mine),
      [true, false],
    );
    assert.deepEqual(
      sellerChat.map((e) => e.mine),
      [false, true],
    );
    assert.deepEqual(
      buyerChat.map((e) => e.seq),
      sellerChat.map((e) => e.seq),
    );
    await expectChatMatchesServer(suite, buyer, tradeId);
    await expectChatMatchesServer(suite, seller, tradeId);

    assert.deepEqual([buyer.apiGets.chatGets(tradeId).length, seller.apiGets.chatGets(tradeId).length], historyLoads, 'a live page fetched chat over REST');
    assert.equal(await buyer.connectionState(), 'live');
    assert.equal(await seller.connectionState(), 'live');
  });
});
