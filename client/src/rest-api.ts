import {
  syncQueryString,
  type ChatMessage,
  type Dispute,
  type Notification,
  type OpenTradeInput,
  type ReadState,
  type SyncQuery,
  type SyncResponse,
  type Trade,
  type TradeStatus,
  type TradeView,
} from './wire.js';
import { type Clock, systemClock } from './clock.js';
import type { Transcript, TranscriptPublicKey } from './transcript.js';

/** What the client needs of `fetch`; the browser's and Node's both fit. */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; headers?: { get(name: string): string | null }; json(): Promise<unknown> }>;

export type TokenGetter = () => string | Promise<string>;

/**
 * How long any request may go unanswered before RestApi gives it up (ApiError 0, `unanswered`),
 * so that its caller tries again: a host gone without closing the connection would hold a
 * catch-up or a gap fetch, and with it what the client missed, for good. Long, because the api answers or sheds
 * (503) within seconds, while in a reconnect storm a new connection's SYN, dropped by a full
 * accept queue, is resent for tens of seconds (after 1, 3, 7, 15, 31 s): cut at 15 s, thousands
 * of catch-up requests were given up and sent again, and the api's 503s went up five- to
 * fortyfold (docs/benchmarks.md).
 */
export const STALLED_REQUEST_MS = 60_000;

/** Where a mediator may take a DISPUTED trade. */
export type DisputeResolution = Extract<TradeStatus, 'RELEASED' | 'CANCELLED'>;

export interface RestApiOptions {
  /** Origin of the API, '' for the page's own. */
  baseUrl: string;
  /** '/p2p' (the contract) or '/api/p2p' (the plan's client). */
  apiPath: string;
  /** Asked before every request, so a refreshed token is used as soon as there is one. */
  getToken: TokenGetter;
  fetch: Fetch;
  /** Timers for STALLED_REQUEST_MS; the system's unless given (tests). */
  clock?: Clock;
  /** Told after every request whether the server could be reached at all. */
  onReachability?: (reachable: boolean) => void;
}

/** An error response, or `status` 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's `Retry-After` (503, 429), in ms. */
    readonly retryAfterMs?: number,
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
  listTrades(limit = 20): Promise<TradeView[]> {
    return this.#request('GET', '/trades', { limit });
  }

  getTrade(tradeId: string, signal?: AbortSignal): Promise<TradeView> {
    return this.#request('GET', `/trades/${encodeURIComponent(tradeId)}`, {}, undefined, signal);
  }

  changeStatus(tradeId: string, status: TradeStatus): Promise<Trade> {
    return this.#request('POST', `/trades/${encodeURIComponent(tradeId)}/status`, {}, { status });
  }

  /** ADMIN only: the disputed trades, and recently resolved ones, for the mediator to pick from. */
  listDisputes(): Promise<Dispute[]> {
    return this.#request('GET', '/disputes');
  }

  /** ADMIN only: settles a DISPUTED trade, RELEASED (the buyer gets the assets) or CANCELLED (the seller keeps them). */
  resolveDispute(tradeId: string, status: DisputeResolution, reason?: string): Promise<Trade> {
    return this.#request('POST', `/trades/${encodeURIComponent(tradeId)}/status`, {}, { status, ...(reason ? { reason } : {}) });
  }

  /** The trade's signed, hash-chained transcript (docs/transcript.md): a party's view or, for the mediator, every entry. */
  transcript(tradeId: string): Promise<Transcript> {
    return this.#request('GET', `/trades/${encodeURIComponent(tradeId)}/transcript`);
  }

  /** The public keys that verify transcript signatures, current and retired. */
  transcriptKeys(): Promise<{ keys: TranscriptPublicKey[] }> {
    return this.#request('GET', '/transcript-keys');
  }

  /** A retry with the same `clientMessageId` returns the stored message instead of a second one. */
  sendMessage(tradeId: string, message: string, clientMessageId?: string, signal?: AbortSignal): Promise<ChatMessage> {
    return this.#request('POST', `/trades/${encodeURIComponent(tradeId)}/chat`, {}, { message, clientMessageId }, signal);
  }

  /** Marks the trade's chat read up to `seq`; answers the stored state, which never moves back (past the head is 400). */
  markRead(tradeId: string, seq: number, signal?: AbortSignal): Promise<ReadState> {
    return this.#request('POST', `/trades/${encodeURIComponent(tradeId)}/read`, {}, { seq }, signal);
  }

  /** Everything past the given cursors in one request (SPEC's sync contract). */
  sync(query: SyncQuery, signal?: AbortSignal): Promise<SyncResponse> {
    const search = syncQueryString(query);
    return this.#request('GET', search ? `/sync?${search}` : '/sync', {}, undefined, signal);
  }

  /** Messages with seq > afterSeq, ascending: the loss-free cursor. */
  chatAfterSeq(tradeId: string, afterSeq: number, limit: number, signal?: AbortSignal): Promise<ChatMessage[]> {
    return this.#request('GET', `/trades/${encodeURIComponent(tradeId)}/chat`, { afterSeq, limit }, undefined, signal);
  }

  /** Messages with timestamp > since (all without it), ascending: the plan's cursor. */
  chatSince(tradeId: string, since: string | undefined, limit: number, signal?: AbortSignal): Promise<ChatMessage[]> {
    return this.#request('GET', `/trades/${encodeURIComponent(tradeId)}/chat`, { since, limit }, undefined, signal);
  }

  /** The caller's notifications after seq `afterSeq` (or created after `since`), oldest first. */
  notifications(query: { since?: string; afterSeq?: number; unread?: boolean; limit?: number } = {}, signal?: AbortSignal): Promise<Notification[]> {
    return this.#request('GET', '/notifications', query, undefined, signal);
  }

  markNotificationRead(notificationId: string): Promise<Notification> {
    return this.#request('POST', `/notifications/${encodeURIComponent(notificationId)}/read`);
  }

  async #request<T>(method: string, path: string, query: Query = {}, body?: object, signal?: AbortSignal): Promise<T> {
    const { baseUrl, apiPath, getToken, fetch, onReachability } = this.options;
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const queryString = search.toString();
    const url = `${baseUrl}${apiPath}${path}${queryString ? `?${queryString}` : ''}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${await getToken()}`, Accept: 'application/json' };
    if (body) headers['Content-Type'] = 'application/json';

    // Aborted by the caller, or at the deadline.
    const abort = new AbortController();
    const cancelDeadline = (this.options.clock ?? systemClock).schedule(() => abort.abort(), STALLED_REQUEST_MS);
    const forward = () => abort.abort();
    if (signal?.aborted) abort.abort();
    signal?.addEventListener('abort', forward, { once: true });
    // Abandoned by the caller (a timeout, or a long poll no longer needed): says nothing of the server.
    const abandoned = () =>
      signal?.aborted ? new ApiError(0, 'aborted', 'request abandoned') : new ApiError(0, 'unanswered', `no answer within ${STALLED_REQUEST_MS / 1000} s`);
    try {
      let response: Awaited<ReturnType<Fetch>>;
      try {
        response = await fetch(url, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}), signal: abort.signal });
      } catch (err) {
        if (abort.signal.aborted) throw abandoned();
        onReachability?.(false);
        throw new ApiError(0, 'unreachable', err instanceof Error ? err.message : 'network error');
      }
      const payload: unknown = await response.json().catch(() => undefined);
      // Abandoned while the body was read: the payload is not the answer.
      if (abort.signal.aborted) throw abandoned();
      const failure = response.ok ? undefined : errorOf(response.status, payload, retryAfterMs(response.headers?.get('Retry-After')));
      onReachability?.(!failure?.unreachable);
      if (failure) throw failure;
      return payload as T;
    } finally {
      cancelDeadline();
      signal?.removeEventListener('abort', forward);
    }
  }
}

function errorOf(status: number, payload: unknown, retryAfter: number | undefined): ApiError {
  const { error, message } = (typeof payload === 'object' && payload !== null ? payload : {}) as { error?: unknown; message?: unknown };
  return new ApiError(
    status,
    typeof error === 'string' ? error : 'http_error',
    typeof message === 'string' ? message : `request failed with status ${status}`,
    retryAfter,
  );
}

/** `Retry-After` in seconds (the form this API sends), as ms; an HTTP-date or junk gives undefined. */
function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
