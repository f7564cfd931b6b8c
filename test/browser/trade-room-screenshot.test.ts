import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { useBrowserSuite } from '../support/browser.js';

const VIEWPORT = { width: 1200, height: 800 };

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('browser: trade room screenshot', function () {
  this.timeout(60_000);
  const suite = useBrowserSuite();

  it("saves the seller's trade room mid-conversation to test-output/trade-room.png", async () => {
    const { buyer, seller } = await suite.openTradeRoom({ seller: { viewport: VIEWPORT } });
    const conversation: [typeof buyer, string][] = [
      [buyer, 'Chào bạn, mình muốn mua 100 USDT.'],
      [seller, 'Chào bạn! Tỷ giá 25.400 ₫, bạn chuyển khoản vào Vietcombank nhé.'],
      [buyer, 'Mình đã chuyển 2.540.000 ₫ rồi, nội dung ghi mã giao dịch.'],
    ];
    for (const [from, text] of conversation) {
      await from.send(text);
      await (from === buyer ? seller : buyer).message(text).waitFor({ timeout: 5000 });
    }
    await buyer.pressStatus('PAID');
    await seller.systemMessage('The buyer marked the trade as paid').waitFor();
    await seller.toast('the buyer marked it as paid').waitFor();
    await seller.send('Để mình kiểm tra tài khoản rồi giải phóng ngay.');

    // What the picture must show, so it never documents a broken room.
    assert.equal(await seller.connectionState(), 'live');
    await seller.waitForStatus('PAID');
    await seller.waitForBadge(2);
    assert.equal((await seller.chat()).length, 5);

    const png = await readFile(await seller.screenshot('trade-room.png'));
    assert.deepEqual(pngSize(png), VIEWPORT);
    assert.ok(png.length > 20_000, `a ${png.length}-byte screenshot is too small to show the room`);
  });
});
