// Browser tests of the demo page: Debian's Chromium driven by playwright-core (no downloaded
// browser), against a role-`all` test system that serves the REST API, the built page and the
// STOMP gateway on one port, as `npm start` does.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Dialog, type Locator, type Page, type Route, type WebSocketRoute } from 'playwright-core';
import type { ConnectionState } from '../../client/src/realtime-client.js';
import type { ChatMessage, TradeStatus } from '../../client/src/wire.js';
import { eventually } from './eventually.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from './gateway-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots (and failure snapshots) go here; the folder is gitignored. */
export const TEST_OUTPUT_DIR = join(ROOT, 'test-output');

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  // Nothing but the page under test on the network: no updates, sync or QUIC probes.
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium, headless, with nothing but the page under test on the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The client's poll period while the socket is down (RealtimeClientOptions.pollIntervalMs default). */
export const POLL_INTERVAL_MS = 2000;

// ---- the client bundle ----

/** What scripts/build-client.mjs reads: the client, the page, and the server modules the page imports. */
const BUNDLE_INPUTS = ['client/src', 'client/demo', 'src/contract', 'scripts/build-client.mjs', 'package-lock.json'];
const BUNDLE_OUTPUTS = ['client/dist/index.html', 'client/dist/demo.js', 'client/dist/demo.css', 'client/dist/favicon.svg', 'client/dist/sockjs.min.js'];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  return Math.max(info.mtimeMs, ...(await Promise.all(entries.map((entry) => newestMtime(join(path, entry))))));
}

async function oldestOutput(): Promise<number> {
  try {
    return Math.min(...(await Promise.all(BUNDLE_OUTPUTS.map(async (output) => (await stat(join(ROOT, output))).mtimeMs))));
  } catch {
    return -Infinity;
  }
}

let building: Promise<void> | undefined;

/**
 * Builds client/dist unless it is newer than every input. Not unconditionally: the build
 * empties client/dist first, which would pull the page from under another run serving it.
 * Once per mocha process, however many browser suites ask.
 */
export function ensureClientBuilt(): Promise<void> {
  building ??= (async () => {
    const inputs = Math.max(...(await Promise.all(BUNDLE_INPUTS.map((input) => newestMtime(join(ROOT, input))))));
    if ((await oldestOutput()) > inputs) return;
    await promisify(execFile)(process.execPath, ['scripts/build-client.mjs'], { cwd: ROOT });
  })();
  return building;
}

// ---- pages ----

export interface ChatEntry {
  seq: number;
  system: boolean;
  mine: boolean;
  text: string;
}

/** A GET of the REST API made by a page: polls, syncs and history loads. */
export interface ApiGet {
  path: string;
  at: number;
}

/** The REST GETs a page makes, in order: polling shows up here and nowhere else. */
export class ApiGetLog {
  readonly entries: ApiGet[] = [];

  constructor(page: Page) {
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'GET' && url.pathname.startsWith('/p2p/')) this.entries.push({ path: url.pathname + url.search, at: Date.now() });
    });
  }

  /** GETs that may bring this trade's chat: its chat route, or a sync listing it. */
  chatGets(tradeId: string): ApiGet[] {
    return this.entries.filter((e) => {
      if (e.path.startsWith(`/p2p/trades/${tradeId}/chat?`)) return true;
      const [path, query] = e.path.split('?');
      return path === '/p2p/sync' && (new URLSearchParams(query).get('trades') ?? '').split(',').some((t) => t.startsWith(`${tradeId}:`));
    });
  }

  /**
   * Resolves once the page has made no REST GET for `quietMs`. With `quietMs` above the poll
   * period, that proves the poller is stopped: a running one would have polled in between.
   */
  async waitForQuiet(quietMs: number, timeoutMs: number): Promise<void> {
    await eventually(
      () => {
        const last = this.entries.at(-1)?.at ?? 0;
        assert.ok(Date.now() - last >= quietMs, `the page still polls: last GET ${this.entries.at(-1)?.path} ${Date.now() - last} ms ago`);
      },
      timeoutMs,
      100,
    );
  }
}

/** What every URL of the gateway's SockJS endpoint looks like: `/ws/info`, `/ws/<server>/<session>/websocket`, … */
const isSocketUrl = (url: URL) => url.pathname === '/ws' || url.pathname.startsWith('/ws/');

/**
 * Cuts one page's connection to the gateway and restores it, leaving its REST calls alone.
 *
 * Every WebSocket the page opens to /ws is routed through Playwright and connected on to the
 * real gateway, so the test holds both ends: `cut()` closes the open ones (the page sees its
 * socket drop, the gateway sees the client go) and, until `restore()`, refuses new ones and
 * aborts SockJS's HTTP requests under /ws (its `info` probe and its fallback transports), so
 * reconnect attempts fail the way they do when the gateway is unreachable.
 */
export class SocketSwitch {
  #cut = false;
  readonly #open = new Set<WebSocketRoute>();
  readonly #abort = (route: Route) => route.abort('connectionrefused');

  private constructor(private readonly page: Page) {}

  /** Must run before the page opens its socket: only sockets created afterwards are routed. */
  static async install(page: Page): Promise<SocketSwitch> {
    const socketSwitch = new SocketSwitch(page);
    await page.routeWebSocket(isSocketUrl, (ws) => socketSwitch.#route(ws));
    return socketSwitch;
  }

  /** Sockets connected through to the gateway since the switch was installed or last cut. */
  get connectedSockets(): number {
    return this.#open.size;
  }

  #route(ws: WebSocketRoute): void {
    if (this.#cut) {
      void ws.close({ code: 1011, reason: 'cut by the test' }).catch(() => undefined);
      return;
    }
    // Without handlers of its own the route forwards every frame and a close of either side.
    ws.connectToServer();
    this.#open.add(ws);
  }

  async cut(): Promise<void> {
    this.#cut = true;
    await this.page.route(isSocketUrl, this.#abort);
    const open = [...this.#open];
    this.#open.clear();
    // Closing the page's side also closes the gateway's (the route forwards closes).
    await Promise.all(open.map((ws) => ws.close({ code: 1011, reason: 'cut by the test' }).catch(() => undefined)));
  }

  async restore(): Promise<void> {
    this.#cut = false;
    await this.page.unroute(isSocketUrl, this.#abort);
  }
}

export interface OpenPageOptions {
  viewport?: { width: number; height: number };
  /** Route the page's socket through a SocketSwitch (installed before the page loads). */
  switchableSocket?: boolean;
}

/** The demo page in its own browser context, driven through its data-testid elements. */
export class DemoPage {
  readonly apiGets: ApiGetLog;
  /** Uncaught exceptions and unhandled rejections in the page: each fails the test. */
  readonly pageErrors: string[] = [];
  #userId: string | undefined;

  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly baseUrl: string,
    readonly socket: SocketSwitch | undefined,
  ) {
    this.apiGets = new ApiGetLog(page);
    page.on('pageerror', (err) => this.pageErrors.push(err.stack ?? err.message));
  }

  get userId(): string {
    assert.ok(this.#userId, 'not logged in yet');
    return this.#userId;
  }

  byTestId(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  /** Dev login (the server is in demo mode): type a user id, submit, land in the workspace. `admin`: as a mediator. */
  async login(userId: string, options: { admin?: boolean } = {}): Promise<void> {
    await this.page.goto(`${this.baseUrl}/`);
    await this.byTestId('login-user').fill(userId);
    if (options.admin) await this.byTestId('login-admin').check();
    await this.byTestId('login-submit').click();
    await this.byTestId('current-user')
      .filter({ hasText: exactly(userId) })
      .waitFor();
    await this.byTestId('workspace').waitFor();
    this.#userId = userId;
  }

  /** Pasted-token login, the only one a production api offers. */
  async loginWithToken(userId: string, token: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/`);
    // The form asks for a user id either way; the token's subject is what counts.
    await this.byTestId('login-user').fill(userId);
    await this.page.locator('summary').click();
    await this.byTestId('login-token').fill(token);
    await this.byTestId('login-submit').click();
    await this.byTestId('current-user')
      .filter({ hasText: exactly(userId) })
      .waitFor();
    this.#userId = userId;
  }

  /** Opens a trade with `sellerId` as its buyer; resolves with its id once it is on screen. */
  async openTrade(sellerId: string): Promise<string> {
    await this.byTestId('open-trade-seller').fill(sellerId);
    await this.byTestId('open-trade-submit').click();
    await this.waitForStatus('PENDING');
    const tradeId = (await this.byTestId('trade-id').textContent())?.trim();
    assert.ok(tradeId, 'the trade panel shows no trade id');
    return tradeId;
  }

  /** Joins a trade by id, as its other party does; resolves once its history and status are shown. */
  async joinTrade(tradeId: string): Promise<void> {
    await this.byTestId('join-trade-id').fill(tradeId);
    await this.byTestId('join-trade-submit').click();
    await this.byTestId('trade-id')
      .filter({ hasText: exactly(tradeId) })
      .waitFor();
    // The status appears when watchTrade has resolved: the trade's topics are subscribed by then.
    await this.byTestId('status-value')
      .filter({ hasText: /^[A-Z]+$/ })
      .waitFor();
  }

  /** Types and sends a chat message; resolves once the page shows it as its own. */
  async send(text: string): Promise<void> {
    await this.byTestId('chat-input').fill(text);
    await this.byTestId('chat-send').click();
    await this.message(text).and(this.page.locator('[data-mine="true"]')).waitFor({ timeout: 5000 });
  }

  /** The chat entry whose text is exactly `text`. */
  message(text: string): Locator {
    return this.byTestId('chat-message').filter({ has: this.page.locator('.text', { hasText: exactly(text) }) });
  }

  /** A system message (data-system="true") containing `text`. */
  systemMessage(text: string): Locator {
    return this.byTestId('chat-message').and(this.page.locator('[data-system="true"]')).filter({ hasText: text });
  }

  /** Everything the chat list shows, top to bottom, as the page's data attributes say. */
  chat(): Promise<ChatEntry[]> {
    return this.byTestId('chat-message').evaluateAll((items) =>
      items.map((item) => {
        const element = item as HTMLElement;
        return {
          seq: Number(element.dataset.seq),
          system: element.dataset.system === 'true',
          mine: element.dataset.mine === 'true',
          text: element.querySelector('.text')?.textContent ?? '',
        };
      }),
    );
  }

  /** Waits until the live / polling / offline indicator shows `state`. */
  async waitForConnection(state: ConnectionState, timeoutMs = 10_000): Promise<void> {
    await this.byTestId('connection-state')
      .filter({ hasText: exactly(state) })
      .waitFor({ timeout: timeoutMs });
  }

  async connectionState(): Promise<string> {
    return (await this.byTestId('connection-state').textContent()) ?? '';
  }

  async waitForStatus(status: TradeStatus, timeoutMs = 10_000): Promise<void> {
    await this.byTestId('status-value')
      .filter({ hasText: exactly(status) })
      .waitFor({ timeout: timeoutMs });
  }

  /** The status changes the page offers (its visible status buttons). */
  async statusChoices(): Promise<string[]> {
    return this.byTestId('status-actions')
      .locator('button:visible')
      .evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.status ?? ''));
  }

  /** Presses a status button, answering the confirmation that Release and Dispute ask with `confirm`. */
  async pressStatus(status: TradeStatus, confirm = true): Promise<void> {
    const answer = (dialog: Dialog) => void (confirm ? dialog.accept() : dialog.dismiss());
    this.page.once('dialog', answer);
    try {
      await this.byTestId(`status-${status}`).click();
    } finally {
      this.page.off('dialog', answer);
    }
  }

  /** A notification toast containing `text`. */
  toast(text: string): Locator {
    return this.byTestId('toast').filter({ hasText: text });
  }

  /** Waits until the unread badge shows `count` (a count of 0 hides it). */
  async waitForBadge(count: number, timeoutMs = 10_000): Promise<void> {
    const badge = this.byTestId('notification-badge');
    if (count === 0) await badge.waitFor({ state: 'hidden', timeout: timeoutMs });
    else await badge.filter({ hasText: exactly(String(count)) }).waitFor({ timeout: timeoutMs });
  }

  async screenshot(name: string): Promise<string> {
    await mkdir(TEST_OUTPUT_DIR, { recursive: true });
    const path = join(TEST_OUTPUT_DIR, name);
    await this.page.screenshot({ path });
    return path;
  }
}

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

// ---- the suite ----

export interface TradeRoom {
  tradeId: string;
  buyer: DemoPage;
  seller: DemoPage;
}

export interface BrowserSuite {
  readonly system: GatewayTestSystem;
  openPage(options?: OpenPageOptions): Promise<DemoPage>;
  /**
   * Two pages logged in as fresh users, both live; the buyer opens a trade with the seller
   * and the seller joins it by id, so both sides show the trade and follow it.
   */
  openTradeRoom(options?: { buyer?: OpenPageOptions; seller?: OpenPageOptions }): Promise<TradeRoom>;
  /** The trade's chat as the server gives it to `userId` (REST, the loss-free cursor from 0). */
  serverChat(tradeId: string, userId: string): Promise<ChatMessage[]>;
  /** Sends a chat message over REST, as another device of `userId` would. */
  postMessage(tradeId: string, userId: string, text: string): Promise<ChatMessage>;
}

/**
 * Registers a suite's hooks: builds the client if needed, starts an embedded test system and
 * Chromium once per suite, gives every test fresh browser contexts and closes them after it
 * (saving a snapshot of each page when the test failed), and closes everything at the end,
 * also after a failure.
 */
export function useBrowserSuite(): BrowserSuite {
  let system: GatewayTestSystem | undefined;
  let browser: Browser | undefined;
  let pages: DemoPage[] = [];

  before(async function () {
    this.timeout(60_000);
    // allSettled, not all: whatever did start must be there for `after` to close when another part failed.
    const results = await Promise.allSettled([
      startGatewayTestSystem({ db: 'embedded', bus: 'in-process' }).then((started) => (system = started)),
      launchChromium().then((launched) => (browser = launched)),
      ensureClientBuilt(),
    ]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  });

  afterEach(async function () {
    const closing = pages;
    pages = [];
    const test = this.currentTest;
    if (test?.state === 'failed') {
      const name = test
        .fullTitle()
        .replace(/[^\w-]+/g, '-')
        .slice(0, 100);
      await Promise.all(closing.map((page, i) => page.screenshot(`failures/${name}-${i}.png`).catch(() => undefined)));
    }
    await Promise.all(closing.map((page) => page.context.close().catch(() => undefined)));
    const errors = closing.flatMap((page) => page.pageErrors);
    if (test?.state === 'passed') assert.deepEqual(errors, [], 'the page threw');
  });

  after(async function () {
    this.timeout(30_000);
    try {
      await browser?.close();
    } finally {
      await system?.close();
    }
  });

  const suite: BrowserSuite = {
    get system() {
      assert.ok(system, 'the suite has not started');
      return system;
    },

    async openPage(options = {}) {
      assert.ok(browser, 'the suite has not started');
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
      const page = await context.newPage();
      const socket = options.switchableSocket ? await SocketSwitch.install(page) : undefined;
      const demo = new DemoPage(context, page, suite.system.baseUrl, socket);
      pages.push(demo);
      return demo;
    },

    async openTradeRoom(options = {}) {
      const [buyer, seller] = await Promise.all([suite.openPage(options.buyer), suite.openPage(options.seller)]);
      await Promise.all([buyer.login(uniqueUser('buyer')), seller.login(uniqueUser('seller'))]);
      await Promise.all([buyer.waitForConnection('live'), seller.waitForConnection('live')]);
      const tradeId = await buyer.openTrade(seller.userId);
      await seller.joinTrade(tradeId);
      return { tradeId, buyer, seller };
    },

    async serverChat(tradeId, userId) {
      const res = await suite.system.http
        .get(`/p2p/trades/${tradeId}/chat`)
        .query({ afterSeq: 0, limit: 1000 })
        .set('Authorization', suite.system.auth(userId))
        .expect(200);
      return res.body as ChatMessage[];
    },

    async postMessage(tradeId, userId, text) {
      const res = await suite.system.http
        .post(`/p2p/trades/${tradeId}/chat`)
        .set('Authorization', suite.system.auth(userId))
        .send({ message: text })
        .expect(201);
      return res.body as ChatMessage;
    },
  };
  return suite;
}

/** What a page's chat list must equal: the server's view for that user, in seq order, each once. */
export function expectedEntries(messages: readonly ChatMessage[], userId: string): ChatEntry[] {
  return messages.map((m) => ({ seq: m.seq, system: m.isSystemMessage, mine: m.senderId === userId, text: m.message }));
}

/** Waits until `page` shows exactly what the server holds for its user. */
export async function expectChatMatchesServer(suite: BrowserSuite, page: DemoPage, tradeId: string, timeoutMs = 10_000): Promise<ChatEntry[]> {
  return eventually(
    async () => {
      const expected = expectedEntries(await suite.serverChat(tradeId, page.userId), page.userId);
      assert.deepEqual(await page.chat(), expected);
      return expected;
    },
    timeoutMs,
    100,
  );
}
