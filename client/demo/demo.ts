// The demo page: one user per browser tab (the session is per tab; recent trades are per user).
import { checkTransition, roleOf, TRANSITIONS } from '../../src/contract/trade-transitions.js';
import { PAGE_CONFIG_PATH } from '../../src/contract/page-config.js';
import type { PageConfig } from '../../src/contract/shapes.js';
import {
  ApiError,
  createRealtimeClient,
  type ChatMessage,
  type ConnectionState,
  type Notification,
  type RealtimeClient,
  type SocketOptions,
  type Trade,
  type TradeStatus,
  type TradeStatusUpdate,
  type TradeView,
  endpointUrl,
  TRANSPORT_OPTIONS,
} from '../src/index.js';
import { senderLabel } from './chat-labels.js';
import { RoomLive } from './room-live.js';
import { DisputesPanel } from './disputes.js';
import { byTestId, makeButton, statusPill } from './dom.js';
import { isMediator, MediatorControls, mediatorSummary } from './mediator-room.js';
import { TranscriptPanel } from './transcript-panel.js';

interface Session {
  userId: string;
  token: string;
  /** The token has the ADMIN role: the user mediates disputed trades. */
  admin?: boolean;
}

const SESSION_KEY = 'p2p-demo.session';
const MY_TRADES_LIMIT = 10;
const TOAST_MS = 6000;
const MAX_TOASTS = 3;
const ERROR_MS = 6000;
// A button for every status a transition leads to; each is shown only when allowed.
const STATUS_CHOICES: readonly TradeStatus[] = [...new Set(TRANSITIONS.map((t) => t.to))];

const ui = {
  connection: byTestId('connection-state'),
  loginAgain: byTestId<HTMLButtonElement>('login-again'),
  user: byTestId('current-user'),
  bell: byTestId<HTMLButtonElement>('notification-bell'),
  badge: byTestId('notification-badge'),
  logout: byTestId<HTMLButtonElement>('logout'),
  notificationPanel: byTestId('notification-panel'),
  notificationEmpty: byTestId('notification-empty'),
  notificationList: byTestId<HTMLUListElement>('notification-list'),
  loginPanel: byTestId('login-panel'),
  loginForm: byTestId<HTMLFormElement>('login-form'),
  workspace: byTestId('workspace'),
  openTradeForm: byTestId<HTMLFormElement>('open-trade-form'),
  joinTradeForm: byTestId<HTMLFormElement>('join-trade-form'),
  recentTrades: byTestId<HTMLUListElement>('recent-trades'),
  tradePanel: byTestId('trade-panel'),
  tradeId: byTestId('trade-id'),
  tradeSummary: byTestId('trade-summary'),
  statusValue: byTestId('status-value'),
  statusButtons: STATUS_CHOICES.map((status) => byTestId<HTMLButtonElement>(`status-${status}`)),
  chatList: byTestId<HTMLOListElement>('chat-list'),
  chatForm: byTestId<HTMLFormElement>('chat-form'),
  chatInput: byTestId<HTMLInputElement>('chat-input'),
  error: byTestId('error'),
  toasts: byTestId('toasts'),
};

/** Where the socket may go: the server says, never the page's URL (a link could carry any). */
const pageConfig: Promise<PageConfig> = fetch(PAGE_CONFIG_PATH).then(async (response) => {
  if (!response.ok) throw new Error(`the page's configuration did not load (${response.status})`);
  return (await response.json()) as PageConfig;
});

let session: Session | undefined;
let client: RealtimeClient | undefined;
let live: RoomLive | undefined;
/** The trade on screen: its id is set before its history loads, its details once they have. */
let current: { tradeId: string; trade?: Trade } | undefined;
/** Newest status per trade: the client reports only changes, and a change may beat watchTrade's answer. */
const statuses = new Map<string, TradeStatus>();

// ---- session ----

async function logIn(form: FormData): Promise<void> {
  const pasted = String(form.get('token') ?? '').trim();
  const userId = String(form.get('userId') ?? '').trim();
  const token = pasted || (await devLogin(userId, form.get('admin') === 'on'));
  await startSession({ ...claimsOf(token), token });
}

async function devLogin(userId: string, admin: boolean): Promise<string> {
  const response = await fetch('/demo/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId, admin }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; message?: string };
  if (response.status === 404) throw new Error('This server has no dev login (not in demo mode): paste a token instead.');
  if (!response.ok || !body.token) throw new Error(body.message ?? `login failed (${response.status})`);
  return body.token;
}

/** The JWT's `sub` and role: the token is the server's to verify, the page only needs who it is for. */
function claimsOf(token: string): { userId: string; admin: boolean } {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const { sub, roles } = JSON.parse(json) as { sub?: unknown; roles?: unknown };
  if (typeof sub !== 'string') throw new Error('the token has no subject');
  return { userId: sub, admin: Array.isArray(roles) && roles.includes('ADMIN') };
}

async function startSession(next: Session): Promise<void> {
  const socket = socketOptions((await pageConfig).gatewayUrls);
  session = next;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
  client = createRealtimeClient({ userId: next.userId, getToken: () => next.token, socket });
  client.on('connection', showConnection);
  client.on('auth-required', sessionEnded);
  client.on('message', (message) => {
    if (message.tradeId === current?.tradeId) appendChat(message);
  });
  client.on('status', onStatus);
  client.on('notification', showToast);
  client.on('unread', (count) => {
    showBadge(count);
    renderNotifications();
  });
  live = new RoomLive(
    client,
    next.userId,
    { chatList: ui.chatList, chatInput: ui.chatInput, presence: byTestId('presence'), typing: byTestId('typing-indicator') },
    () => void refreshMyTrades(),
  );
  client.start();

  ui.user.textContent = next.userId;
  for (const element of [ui.connection, ui.user, ui.bell, ui.logout, ui.workspace]) element.hidden = false;
  ui.loginPanel.hidden = true;
  ui.loginAgain.hidden = true;
  void refreshMyTrades();
  if (next.admin) disputes.show(client.api).catch(showError);
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('trade');
  if (fromHash) void showTrade(fromHash);
}

function logOut(): void {
  client?.stop();
  client = undefined;
  live?.stop();
  live = undefined;
  session = undefined;
  current = undefined;
  statuses.clear();
  disputes.hide();
  transcript.show(undefined);
  sessionStorage.removeItem(SESSION_KEY);
  history.replaceState(null, '', location.pathname + location.search);
  for (const element of [ui.connection, ui.user, ui.bell, ui.logout, ui.loginAgain, ui.workspace, ui.tradePanel, ui.notificationPanel]) element.hidden = true;
  ui.loginPanel.hidden = false;
  showBadge(0);
}

/**
 * The token ran out and the client stopped (it will not loop on a dead token). A normal end,
 * not a failure: the indicator says so calmly and offers to log in again as the same user.
 */
function sessionEnded(): void {
  const userId = session?.userId;
  client?.stop();
  ui.connection.textContent = 'session ended';
  ui.connection.dataset.state = 'ended';
  ui.loginAgain.hidden = false;
  ui.loginAgain.onclick = () => {
    logOut();
    if (userId) byTestId<HTMLInputElement>('login-user').value = userId;
  };
}

/**
 * The configured gateways (none: this page's origin), among which the client spreads and moves
 * on failure. `?transport=websocket` or `?transport=sockjs` fixes the transport instead of the
 * library's `auto`; the address itself never comes from the URL.
 */
function socketOptions(gatewayUrls: readonly string[]): Partial<SocketOptions> {
  const asked = new URLSearchParams(location.search).get('transport');
  const transport = TRANSPORT_OPTIONS.find((option) => option === asked) ?? 'auto';
  return { transport, ...(gatewayUrls.length ? { urls: gatewayUrls.map((url) => endpointUrl(url, transport)) } : {}) };
}

// ---- trades ----

async function showTrade(tradeId: string): Promise<void> {
  if (!client || !session) return;
  if (current && current.tradeId !== tradeId) live?.leave(current.tradeId);
  current = { tradeId };
  live?.show(tradeId);
  renderChat(tradeId);
  ui.tradeId.textContent = tradeId;
  ui.tradeSummary.textContent = 'Loading…';
  transcript.show({ client, tradeId });
  ui.tradePanel.hidden = false;
  try {
    // The room on screen: its read receipts, typing and presence too.
    const trade = await client.watchTrade(tradeId, { room: true });
    // Another trade was chosen while this one loaded.
    if (current?.tradeId !== tradeId) return live?.leave(tradeId);
    current.trade = trade;
    live?.show(tradeId, trade);
    // Now known to be a mediator's room or a party's, which the bubbles' labels depend on.
    renderChat(tradeId);
    void refreshMyTrades();
    history.replaceState(null, '', `#trade=${tradeId}`);
    renderTrade();
  } catch (err) {
    if (current?.tradeId === tradeId) {
      current = undefined;
      live?.show(undefined);
      ui.tradePanel.hidden = true;
    }
    showError(err);
  }
}

function onStatus(update: TradeStatusUpdate): void {
  statuses.set(update.tradeId, update.status);
  if (update.tradeId === current?.tradeId) renderTrade();
  // A new trade, or a status shown in the list, changed.
  void refreshMyTrades();
  disputes.refresh().catch(() => undefined);
}

function renderTrade(): void {
  const trade = current?.trade;
  if (!trade || !session) return;
  const status = statuses.get(trade.id) ?? trade.status;
  const role = roleOf(trade, session.userId);
  const other = role === 'BUYER' ? `seller ${trade.sellerId}` : `buyer ${trade.buyerId}`;
  const mediator = isMediator(trade, session.userId, session.admin === true);
  ui.tradeSummary.textContent = mediator
    ? mediatorSummary(trade)
    : `${trade.amount} ${trade.asset} for ${trade.fiat} · you are the ${role?.toLowerCase() ?? 'viewer'}, with ${other}`;
  mediatorControls.render(status, mediator);
  ui.statusValue.textContent = status;
  ui.statusValue.dataset.status = status;
  for (const button of ui.statusButtons) {
    button.hidden = !checkTransition(status, button.dataset.status as TradeStatus, role).ok;
  }
}

/** Irreversible steps: releasing hands over the assets, a dispute calls in an admin. */
const CONFIRM: Partial<Record<TradeStatus, string>> = {
  RELEASED: 'Release the assets to the buyer? This cannot be undone.',
  DISPUTED: 'Open a dispute on this trade? An admin will have to settle it.',
};

async function changeStatus(status: TradeStatus): Promise<void> {
  if (!client || !current) return;
  const question = CONFIRM[status];
  if (question && !confirm(question)) return;
  try {
    await client.changeStatus(current.tradeId, status);
  } catch (err) {
    showError(err);
  }
}

/** The server's list of this user's trades: also finds trades opened with them while offline. */
async function refreshMyTrades(): Promise<void> {
  if (!client || !session) return;
  try {
    renderMyTrades(await client.api.listTrades(MY_TRADES_LIMIT));
  } catch {
    // Shown again on the next refresh; a failed list is no reason to interrupt the user.
  }
}

function renderMyTrades(trades: TradeView[]): void {
  live?.followListed(trades);
  ui.recentTrades.replaceChildren(
    ...trades.map((trade) => {
      const role = session ? roleOf(trade, session.userId) : null;
      const other = role === 'BUYER' ? trade.sellerId : trade.buyerId;
      const button = makeButton('link', 'recent-trade', `${trade.id.slice(0, 8)} · ${role === 'BUYER' ? 'buying from' : 'selling to'} ${other}`);
      button.dataset.tradeId = trade.id;
      button.addEventListener('click', () => void showTrade(trade.id));
      const item = document.createElement('li');
      item.append(button, statusPill(trade.status));
      live?.decorateTradeItem(item, trade);
      return item;
    }),
  );
}

// ---- chat ----

/** Empty for a trade not watched yet: its history then arrives as message events. */
function renderChat(tradeId: string): void {
  ui.chatList.replaceChildren();
  for (const message of client?.messages(tradeId) ?? []) appendChat(message);
}

function appendChat(message: ChatMessage): void {
  const item = document.createElement('li');
  item.dataset.testid = 'chat-message';
  item.dataset.seq = String(message.seq);
  item.dataset.system = String(message.isSystemMessage);
  item.dataset.mine = String(message.senderId === session?.userId);
  if (message.senderRole) item.dataset.senderRole = message.senderRole;
  const meta = document.createElement('span');
  meta.className = 'meta';
  const mediating = current?.trade !== undefined && session !== undefined && isMediator(current.trade, session.userId, session.admin === true);
  meta.textContent = `${senderLabel(message, session?.userId, mediating)} · ${new Date(message.timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = message.message;
  item.append(meta, text);
  live?.decorateMessage(item, message);
  ui.chatList.append(item);
  ui.chatList.scrollTop = ui.chatList.scrollHeight;
}

async function sendChat(): Promise<void> {
  const text = ui.chatInput.value;
  if (!client || !current || !text.trim()) return;
  ui.chatInput.value = '';
  try {
    await client.send(current.tradeId, text);
  } catch (err) {
    ui.chatInput.value = text;
    showError(err);
  }
}

// ---- notifications and status line ----

function showConnection(state: ConnectionState): void {
  ui.connection.textContent = state;
  ui.connection.dataset.state = state;
}

function showBadge(count: number): void {
  ui.badge.textContent = String(count);
  ui.badge.hidden = count === 0;
}

function showToast(notification: Notification): void {
  const toast = makeButton('toast', 'toast', notification.message);
  toast.dataset.notificationId = notification.id;
  toast.title = 'Open the trade';
  const dismiss = () => toast.remove();
  toast.addEventListener('click', () => {
    dismiss();
    void markRead(notification.id);
    void openNotifiedTrade(notification);
  });
  ui.toasts.append(toast);
  // A burst of notifications shows the newest few, not a column growing up the screen.
  while (ui.toasts.childElementCount > MAX_TOASTS) ui.toasts.firstElementChild?.remove();
  setTimeout(dismiss, TOAST_MS);
}

/**
 * Notifications name their trade by its first 8 characters (the contract's Notification has no
 * trade id), which is unique among the user's own trades: the page finds it there.
 */
async function openNotifiedTrade(notification: Notification): Promise<void> {
  const prefix = /\b[0-9a-f]{8}\b/.exec(notification.message)?.[0];
  if (!client || !prefix) return;
  try {
    const trade = (await client.api.listTrades(MY_TRADES_LIMIT)).find((t) => t.id.startsWith(prefix));
    if (trade) await showTrade(trade.id);
  } catch (err) {
    showError(err);
  }
}

function renderNotifications(): void {
  const notifications = client?.notifications() ?? [];
  ui.notificationEmpty.hidden = notifications.length > 0;
  ui.notificationList.replaceChildren(
    ...notifications.map((notification) => {
      const button = makeButton('notification', 'notification-item', notification.message);
      button.dataset.notificationId = notification.id;
      button.dataset.read = String(notification.read);
      button.addEventListener('click', () => void markRead(notification.id));
      const item = document.createElement('li');
      item.append(button);
      return item;
    }),
  );
}

async function markRead(notificationId: string): Promise<void> {
  try {
    await client?.markNotificationRead(notificationId);
  } catch (err) {
    showError(err);
  }
}

let hideError: ReturnType<typeof setTimeout> | undefined;

function showError(err: unknown): void {
  ui.error.textContent =
    err instanceof ApiError && err.unreachable ? 'The server cannot be reached; try again in a moment.' : err instanceof Error ? err.message : String(err);
  ui.error.hidden = false;
  clearTimeout(hideError);
  hideError = setTimeout(() => (ui.error.hidden = true), ERROR_MS);
}

// ---- wiring ----

const disputes = new DisputesPanel((tradeId) => void showTrade(tradeId), showError);
const transcript = new TranscriptPanel();
const mediatorControls = new MediatorControls(async (status, reason) => {
  if (client && current) await client.resolveDispute(current.tradeId, status, reason);
}, showError);

function onSubmit(form: HTMLFormElement, handler: (data: FormData) => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    handler(new FormData(form)).catch(showError);
  });
}

onSubmit(ui.loginForm, logIn);
onSubmit(ui.openTradeForm, async (data) => {
  if (!client) return;
  const trade = await client.api.openTrade({
    sellerId: String(data.get('sellerId')).trim(),
    amount: String(data.get('amount')).trim(),
    asset: String(data.get('asset')).trim().toUpperCase(),
    fiat: String(data.get('fiat')).trim().toUpperCase(),
  });
  await showTrade(trade.id);
});
onSubmit(ui.joinTradeForm, async (data) => {
  await showTrade(String(data.get('tradeId')).trim());
  ui.joinTradeForm.reset();
});
onSubmit(ui.chatForm, sendChat);
for (const button of ui.statusButtons) button.addEventListener('click', () => void changeStatus(button.dataset.status as TradeStatus));
ui.logout.addEventListener('click', logOut);
ui.bell.addEventListener('click', () => {
  ui.notificationPanel.hidden = !ui.notificationPanel.hidden;
  ui.bell.setAttribute('aria-expanded', String(!ui.notificationPanel.hidden));
  renderNotifications();
});

const saved = sessionStorage.getItem(SESSION_KEY);
if (saved) startSession(JSON.parse(saved) as Session).catch(showError);
