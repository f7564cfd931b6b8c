import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Transcript } from '../../src/contract/transcript.js';
import { useBrowserSuite, type DemoPage } from '../support/browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Presses Verify; resolves with what the panel then says, once it has finished checking. */
async function verify(page: DemoPage): Promise<{ state: string; chainSeq: string | null; text: string }> {
  await page.byTestId('transcript-verify').click();
  const verdict = page.byTestId('transcript-state').and(page.page.locator(':not([data-state="checking"])'));
  await verdict.waitFor({ timeout: 10_000 });
  return {
    state: (await verdict.getAttribute('data-state')) ?? '',
    chainSeq: await verdict.getAttribute('data-chain-seq'),
    text: (await verdict.textContent()) ?? '',
  };
}

/** `npm run verify-transcript -- FILE --public-key PEM` (the CLI itself, from source). */
async function verifyTranscriptCli(file: string, publicKeyFile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/transcript-cli.ts', file, '--public-key', publicKeyFile], {
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('browser: the transcript panel', function () {
  this.timeout(60_000);
  const suite = useBrowserSuite();
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'demo-transcript-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('verifies the transcript in the browser and downloads the file the CLI accepts', async () => {
    const { tradeId, buyer, seller } = await suite.openTradeRoom();
    await buyer.send('Mình chuyển khoản ngay nhé');
    await seller.message('Mình chuyển khoản ngay nhé').waitFor({ timeout: 5000 });
    await buyer.pressStatus('PAID');
    await seller.waitForStatus('PAID');

    for (const party of [buyer, seller]) {
      const verdict = await verify(party);
      assert.equal(verdict.state, 'verified', verdict.text);
      assert.match(verdict.text, /^Verified in this browser: \d+ entries/);
      // The page held the last hash pushed to it, and the transcript reaches it.
      assert.match(verdict.text, /entry \d+ matches the hash this page was sent live/);
    }

    const [download] = await Promise.all([buyer.page.waitForEvent('download'), buyer.byTestId('transcript-download').click()]);
    assert.equal(download.suggestedFilename(), `transcript-${tradeId}.json`);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const saved = JSON.parse(await readFile(file, 'utf8')) as Transcript;
    assert.equal(saved.trade.id, tradeId);

    const keys = (await suite.system.http.get('/p2p/transcript-keys').expect(200)).body as { keys: { publicKeyPem: string }[] };
    const pem = join(dir, 'keys.pem');
    await writeFile(pem, keys.keys.map((k) => k.publicKeyPem).join('\n'));
    const cli = await verifyTranscriptCli(file, pem);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^valid/);
  });

  it('names the first entry that does not verify', async () => {
    const { buyer, seller } = await suite.openTradeRoom();
    await buyer.send('một');
    await seller.send('hai');
    // What a database edited behind the signatures' back would serve: the buyer's message altered.
    let altered: number | undefined;
    await seller.page.route('**/p2p/trades/*/transcript', async (route) => {
      const response = await route.fetch();
      const transcript = (await response.json()) as Transcript;
      const target = transcript.entries.find((r) => r.entry?.kind === 'chat' && r.entry.message === 'một');
      if (target?.entry?.kind === 'chat') {
        target.entry.message = 'ba';
        altered = target.chainSeq;
      }
      await route.fulfill({ response, json: transcript });
    });
    const verdict = await verify(seller);
    assert.ok(altered, 'the transcript has the buyer’s message');
    assert.equal(verdict.state, 'broken');
    assert.equal(verdict.chainSeq, String(altered));
    assert.match(verdict.text, new RegExp(`^Entry ${altered} does not verify: .*altered`));
  });

  it('refuses a transcript cut short of the last hash the page was sent live, though every signature in it holds', async () => {
    const { buyer, seller } = await suite.openTradeRoom();
    await buyer.send('tin nhắn cuối');
    await seller.message('tin nhắn cuối').waitFor({ timeout: 5000 });
    // A server that dropped its newest entry: what is left is a valid chain, only shorter.
    await seller.page.route('**/p2p/trades/*/transcript', async (route) => {
      const response = await route.fetch();
      const transcript = (await response.json()) as Transcript;
      transcript.entries.pop();
      await route.fulfill({ response, json: transcript });
    });
    const verdict = await verify(seller);
    assert.equal(verdict.state, 'broken');
    assert.match(verdict.text, /but the chain ends at/);
  });

  it('says so, and claims nothing, where WebCrypto has no Ed25519', async () => {
    const { buyer } = await suite.openTradeRoom();
    // An older browser: WebCrypto refuses the algorithm, as Chromium before 137 did.
    await buyer.page.addInitScript(() => {
      const subtle: any = crypto.subtle;
      const importKey = subtle.importKey.bind(subtle);
      subtle.importKey = (...args: any[]) => {
        const name = typeof args[2] === 'string' ? args[2] : args[2]?.name;
        if (name === 'Ed25519') return Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'));
        return importKey(...args);
      };
    });
    await buyer.page.reload();
    await buyer.byTestId('trade-id').waitFor();
    const verdict = await verify(buyer);
    assert.equal(verdict.state, 'unsupported');
    assert.match(verdict.text, /This browser cannot verify Ed25519 signatures/);
    // The file is still there to check elsewhere.
    const [download] = await Promise.all([buyer.page.waitForEvent('download'), buyer.byTestId('transcript-download').click()]);
    assert.ok(download.suggestedFilename().startsWith('transcript-'));
  });
});
