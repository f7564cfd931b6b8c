import type { ChatMessage, Notification, OpenTradeInput, Trade, TradeStatus } from './wire.js';

/** What the client needs of `fetch`; the browser's and Node's both fit. */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export type TokenGetter = () => string | Promise<string>;

export interface RestApiOptions {
  /** Origin of the API, '' for the page's own. */
  baseUrl: string;
  /** '/p2p' (the contract) or '/api/p2p' (the plan's client). */
  apiPath: string;
  /** Asked before every request, so a refreshed token is used as soon as there is one. */
  getToken: TokenGetter;
  fetch: Fetch;
  /** Told after every request whether the server could be reached at all. */
  onReachability?: (reachable: boolean) => void;
}

/** An error response, or `status` 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server was not reached or could not answer: worth retrying, unlike a refusal. */
  get unreachable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

type Query = Record<string, string | number | boolean | undefined>;

/** Typed calls to the REST API of docs/contract.md. */
export class RestApi {
  constructor(private readonly options: RestApiOptions) {}

  openTrade(input: OpenTradeInput): Promise<Trade> {
    return this.#request('POST', '/trades', {}, input);
  }

  /** The caller's trades, as buyer or seller, most recently changed first. */
  listTrades(limit = 20): Promise<Trade[]> {
    return this.#request('GET', '/trades', { limit });
  }

  getTrade(tradeId: string): Promise<Trade> {
    return this.#request('GET', `/trades/${encodeURIComponent(tradeId)}`);
  }

  changeStatus(tradeId: string, status: TradeStatus): Promise<Trade> {
    return this.#request('POST', `/trades/${encodeURIComponent(tradeId)}/status`, {}, { status });
  }

  sendMessage(tradeId: string, message: string): Promise<ChatMessage> {
    return this.#request('POST', `/trades/${encodeURIComponent(tradeId)}/chat`, {}, { message });
  }

  /** Messages with seq > afterSeq, ascending: the loss-free cursor. */
  chatAfterSeq(tradeId: string, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    return this.#request('GET', `/trades/${encodeURIComponent(tradeId)}/chat`, { afterSeq, limit });
  }

  /** Messages with timestamp > since (all without it), ascending: the plan's cursor. */
  chatSince(tradeId: string, since: string | undefined, limit: number): Promise<ChatMessage[]> {
    return this.#request('GET', `/trades/${encodeURIComponent(tradeId)}/chat`, { since, limit });
  }

  /** The caller's notifications after seq `afterSeq` (or created after `since`), oldest first. */
  notifications(query: { since?: string; afterSeq?: number; unread?: boolean; limit?: number } = {}): Promise<Notification[]> {
    return this.#request('GET', '/notifications', query);
  }

  markNotificationRead(notificationId: string): Promise<Notification> {
    return this.#request('POST', `/notifications/${encodeURIComponent(notificationId)}/read`);
  }

  async #request<T>(method: string, path: string, query: Query = {}, body?: object): Promise<T> {
    const { baseUrl, apiPath, getToken, fetch, onReachability } = this.options;
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const queryString = search.toString();
    const url = `${baseUrl}${apiPath}${path}${queryString ? `?${queryString}` : ''}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${await getToken()}`, Accept: 'application/json' };
    if (body) headers['Content-Type'] = 'application/json';

    let response: Awaited<ReturnType<Fetch>>;
    try {
      response = await fetch(url, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      onReachability?.(false);
      throw new ApiError(0, 'unreachable', err instanceof Error ? err.message : 'network error');
    }
    const payload: unknown = await response.json().catch(() => undefined);
    const failure = response.ok ? undefined : errorOf(response.status, payload);
    onReachability?.(!failure?.unreachable);
    if (failure) throw failure;
    return payload as T;
  }
}

function errorOf(status: number, payload: unknown): ApiError {
  const { error, message } = (typeof payload === 'object' && payload !== null ? payload : {}) as { error?: unknown; message?: unknown };
  return new ApiError(
    status,
    typeof error === 'string' ? error : 'http_error',
    typeof message === 'string' ? message : `request failed with status ${status}`,
  );
}
