import assert from 'node:assert/strict';
import { expectChatMatchesServer, POLL_INTERVAL_MS, useBrowserSuite } from '../support/browser.js';

// docs/contract.md, "Client": while the socket is down the client polls every 2 s, so a message sent
// meanwhile shows within one period plus a request; 3 s is the bound.
const POLLED_WITHIN_MS = 3000;

describe('browser: socket loss and recovery', function () {
  this.timeout(60_000);
  const suite = useBrowserSuite();

  it('polls while the socket is cut, then goes live again with every message once and in order', async () => {
    // Only the seller's socket is cut (see SocketSwitch): the buyer stays live and keeps talking,
    // and both keep the REST API.
    const { tradeId, buyer, seller } = await suite.openTradeRoom({ seller: { switchableSocket: true } });
    const socket = seller.socket;
    assert.ok(socket);
    assert.equal(socket.connectedSockets, 1, "the seller's live socket is not the routed one");
    await buyer.send('Trước khi mất kết nối');
    await seller.message('Trước khi mất kết nối').waitFor({ timeout: 5000 });

    await socket.cut();
    await seller.waitForConnection('polling', 5000);
    const chatGetsAtCut = seller.apiGets.chatGets(tradeId).length;

    // Sent back to back, each held to its own deadline: the shorter the cut, the less the
    // client's reconnect backoff grows, and the sooner the socket is back once restored.
    const sent: { text: string; at: number }[] = [];
    for (const text of ['Bạn nhận được tiền chưa?', 'Mình gửi thêm tin thứ hai nhé']) {
      await buyer.send(text);
      sent.push({ text, at: Date.now() });
    }
    for (const { text, at } of sent) {
      // At least 1 ms: a timeout of 0 would mean no timeout at all.
      await seller.message(text).waitFor({ timeout: Math.max(1, at + POLLED_WITHIN_MS - Date.now()) });
    }
    // Sends are REST calls, so the cut-off side can still talk.
    await seller.send('Mạng bên mình đang chập chờn');
    await buyer.message('Mạng bên mình đang chập chờn').waitFor({ timeout: 5000 });
    assert.equal(await seller.connectionState(), 'polling');
    assert.equal(await buyer.connectionState(), 'live');
    assert.ok(seller.apiGets.chatGets(tradeId).length > chatGetsAtCut, 'the messages did not come by polling');

    // Messages around the moment the socket returns may come by the last poll, the reconnect's
    // sync or the socket, or by several of them: each must still show once.
    for (const n of [1, 2]) await suite.postMessage(tradeId, buyer.userId, `Ngay trước khi nối lại ${n}`);
    await socket.restore();
    await Promise.all([1, 2, 3].map((n) => suite.postMessage(tradeId, buyer.userId, `Ngay sau khi nối lại ${n}`)));
    // The reconnect waits out the client's jittered backoff, which grew while the cut lasted.
    await seller.waitForConnection('live', 30_000);
    assert.equal(socket.connectedSockets, 1, 'live again, but not over a new socket');

    const shown = await expectChatMatchesServer(suite, seller, tradeId);
    const seqs = shown.map((e) => e.seq);
    assert.equal(seqs.length, 9);
    assert.deepEqual(
      seqs,
      [...new Set(seqs)].sort((a, b) => a - b),
      'not each once in seq order',
    );
    await expectChatMatchesServer(suite, buyer, tradeId);

    // Polling has stopped: after the reconnect's one sync the seller's page falls silent for
    // longer than a poll period, and stays so while a new message arrives over the socket.
    await seller.apiGets.waitForQuiet(POLL_INTERVAL_MS * 1.5, 15_000);
    const getsWhenQuiet = seller.apiGets.entries.length;
    await buyer.send('Kết nối lại rồi, tuyệt!');
    await seller.message('Kết nối lại rồi, tuyệt!').waitFor({ timeout: 2000 });
    assert.deepEqual(seller.apiGets.entries.slice(getsWhenQuiet), [], 'a live page made REST GETs');
    assert.equal(await seller.connectionState(), 'live');
    await expectChatMatchesServer(suite, seller, tradeId);
  });
});
