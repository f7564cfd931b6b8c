import type { Logger } from 'pino';
import { AuthError, type VerifiedToken } from '../auth/jwt.js';
import { CLOSE_CODES, drainCloseReason, type CloseCode, type CloseCodeName } from '../contract/close-codes.js';
import type { Actor } from '../auth/actor.js';
import { encodeFrame, encodeHeaderLine, HEARTBEAT_EOL } from '../protocol/stomp/encoder.js';
import { StompParser } from '../protocol/stomp/parser.js';
import { frameSize, type StompFrame, type StompVersion } from '../protocol/stomp/frame.js';
import { PreEncodedFrame, type ClientConnection } from '../transport/client-connection.js';
import { MAX_SENDS_IN_FLIGHT, parseAppDestination } from '../contract/app-destinations.js';
import { userDestinations } from '../contract/destinations.js';
import type { AppHandlers } from './app-sends/app-handler.js';
import { AppUserError } from './app-sends/app-user-error.js';
import { decodeSendBody } from './app-sends/send-body.js';
import type { ConnectionQuota } from './connection-quota.js';
import type { Access, DestinationGuard } from './destinations.js';
import type { GatewayMetrics, SessionEndReason } from './gateway-metrics.js';
import { Heartbeats, negotiateHeartbeats, parseHeartBeat } from './heartbeats.js';
import type { MessageSink, Subscriber, SubscriptionRegistry } from './subscription-registry.js';
import { resolveDestination, userQueueKey } from './user-destinations.js';

export interface SessionSettings {
  /** Heart-beat period the server offers in both directions. */
  heartbeatMs: number;
  maxFrameBytes: number;
  maxSubscriptions: number;
  /** Unsent bytes past which a client that stopped reading is dropped. */
  maxBufferedBytes: number;
  /** A socket that has not sent CONNECT by then is closed. */
  connectTimeoutMs: number;
  /** The largest SEND body, as REST's body limit; a larger one within maxFrameBytes is a user error. */
  maxSendBodyBytes: number;
}

export interface SessionDeps {
  settings: SessionSettings;
  /** Verifies the CONNECT frame's Authorization value; throws AuthError. */
  verify(authorization: string | undefined): VerifiedToken;
  quota: ConnectionQuota;
  guard: DestinationGuard;
  registry: SubscriptionRegistry;
  /** Who handles SENDs to `/app/...`, by kind (app-sends/app-handler.ts states the contract). */
  app: AppHandlers;
  metrics: GatewayMetrics;
  logger: Logger;
}

const SUPPORTED_VERSIONS: readonly StompVersion[] = ['1.2', '1.1', '1.0'];
const SERVER_NAME = 'p2p-gateway/0.1';
// Every session's heart-beat is the same frame: each transport frames it once for all of them.
const HEARTBEAT = new PreEncodedFrame(HEARTBEAT_EOL);
// Frames parsed while a SUBSCRIBE waits for its access check, beyond a full set of SUBSCRIBEs:
// a client may send all its subscriptions at once (stompjs does in onConnect), and on a cold
// trade cache each waits for a query. More than that means a client is flooding.
// SENDs waiting for their commit count apart (MAX_SENDS_IN_FLIGHT on top of this), so a burst of
// SUBSCRIBEs sent while a SEND waits still fits.
const QUEUED_FRAMES_BEYOND_SUBSCRIPTIONS = 32;
// What those waiting frames may hold in all: the frame count alone lets each be of the largest
// size, some 8 MB per connection. A constant, not maxBufferedBytes: a full set of SUBSCRIBEs is a
// few hundred bytes each, far below it, and it holds 16 frames of the largest size; tying it to
// the outgoing limit, which is tuned for slow readers, would let lowering that one refuse bursts.
// SENDs in flight are not counted here: each is at most one largest frame, and there are at most
// MAX_SENDS_IN_FLIGHT of them, so they cannot widen what the other frames may hold.
const MAX_QUEUED_BYTES = 1024 * 1024;
const MAX_SUBSCRIPTION_ID_LENGTH = 128;

/** The close code after an ERROR frame for each way a session fails. */
const CLOSE_CODE_OF: Record<SessionEndReason, CloseCodeName> = {
  protocol: 'protocol',
  auth: 'policy',
  forbidden: 'policy',
  unsupported: 'policy',
  limit: 'policy',
  'connect-timeout': 'policy',
  'heartbeat-timeout': 'policy',
  rejected: 'policy',
  'token-expired': 'tokenExpired',
  unavailable: 'unavailable',
  internal: 'internal',
};

/** The highest version both sides speak; a CONNECT without accept-version is STOMP 1.0. */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion | undefined {
  if (acceptVersion === undefined) return '1.0';
  const offered = new Set(acceptVersion.split(',').map((v) => v.trim()));
  return SUPPORTED_VERSIONS.find((v) => offered.has(v));
}

/**
 * A frame waiting for its turn. `verdict`, for a SEND decided as it was parsed: answer with only its
 * receipt (dropped by its handler's admit), or with this user error; its body is not kept.
 */
interface Queued {
  frame: StompFrame;
  size: number;
  /** Counts against MAX_SENDS_IN_FLIGHT until handled. */
  inFlight: boolean;
  verdict?: 'receipt-only' | AppUserError;
}

const tooManySends = () =>
  new AppUserError('rate_limited', `at most ${MAX_SENDS_IN_FLIGHT} SENDs may wait for their answer on one connection; wait for receipts before sending more`);

/** One of a session's subscriptions, which is also its entry in the registry. */
interface Subscription extends Subscriber {
  readonly id: string;
  /** The registry's string for the destination (see SubscriptionRegistry.add). */
  destination: string;
}

/**
 * One client's STOMP conversation. A client may CONNECT, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT and
 * SEND to an application destination (`/app/...`, handled by an AppHandler). A refused SEND is a
 * user error, reported on `/user/queue/errors` with the connection kept; anything else, and every
 * other failure, gets an ERROR frame and the connection closed (as Spring's broker does), so a
 * client never keeps a half-working socket. Frames are handled strictly in order, also across the
 * asynchronous access check of SUBSCRIBE and the commit of a SEND, so receipts and errors answer
 * frames in the order they were sent.
 */
export class StompSession implements MessageSink {
  /** Set once CONNECT succeeded. */
  #actor: Actor | undefined;
  /** When the CONNECT token expires (ms since the epoch); the gateway's expiry sweep reads it. */
  #expiresAtMs = Infinity;
  #version: StompVersion = '1.0';
  #ended = false;
  #sawFirstFrame = false;
  // An array, not a Map: at most maxSubscriptions, mostly a handful, and thousands of idle
  // sessions each paid for a Map's hash table. Scanning a few entries is as fast. Grown with
  // concat, which allocates exactly the entries (a push or a spread reserves 17 slots).
  #subscriptions: readonly Subscription[] = [];
  #inbox: Queued[] = [];
  /** SENDs queued or being handled, at most MAX_SENDS_IN_FLIGHT. */
  #sendsInFlight = 0;
  /** Queued frames other than those SENDs, and their bytes: what QUEUED_FRAMES_BEYOND_SUBSCRIPTIONS and MAX_QUEUED_BYTES bound. */
  #othersQueued = 0;
  #othersBytes = 0;
  /** The CONNECT frame's Authorization value as verified, which application handlers forward to the api. */
  #authorization = '';
  #draining = false;
  readonly #parser: StompParser;
  readonly #heartbeats = new Heartbeats();
  /** Until CONNECT; then dropped, so an idle connection holds no timer. */
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ClientConnection,
    private readonly deps: SessionDeps,
  ) {
    this.#parser = new StompParser({
      maxFrameBytes: deps.settings.maxFrameBytes,
      onFrame: (frame) => this.#onFrame(frame),
      onError: (err) => this.#fail('protocol', `malformed frame: ${err.message}`),
    });
    connection.onMessage((data) =>
      this.#guarded(() => {
        if (this.#ended) return;
        this.#heartbeats.noteReceived();
        this.#parser.push(data);
      }),
    );
    connection.onClose(() => this.#guarded(() => this.#end()));
    this.#connectTimer = setTimeout(() => this.#guarded(() => this.#fail('connect-timeout', 'no CONNECT frame in time')), deps.settings.connectTimeoutMs);
    this.#connectTimer.unref();
  }

  deliver(frame: PreEncodedFrame): void {
    // #guarded inlined: this runs once per subscriber per publication, so no closure per call.
    try {
      this.#write(frame);
    } catch (err) {
      this.#crash(err);
    }
  }

  /**
   * Ends the session when its token expired before `cutoffMs` (now less the leeway): ERROR, then
   * close with CLOSE_CODES.tokenExpired, so the client gets a new token before reconnecting.
   */
  expireIfBefore(cutoffMs: number): void {
    if (this.#expiresAtMs > cutoffMs) return;
    this.#guarded(() => this.#expire());
  }

  #expire(receipt?: string): void {
    this.#fail('token-expired', 'token expired: reconnect with a new token', receipt);
  }

  /** Server shutdown: a clean close, after which clients fall back to polling. */
  shutdown(): void {
    this.#close(CLOSE_CODES.shutdown, 'server shutting down');
  }

  /** Redeploy: a clean close that asks the client to reconnect, elsewhere, after about `retryAfterMs`. */
  drain(retryAfterMs: number): void {
    this.#close(CLOSE_CODES.drain, drainCloseReason(retryAfterMs));
  }

  #close(code: CloseCode, reason: string): void {
    this.#guarded(() => {
      if (this.#ended) return;
      this.connection.close(code, reason);
      this.#end();
    });
  }

  #onFrame(frame: StompFrame): void {
    if (!this.#sawFirstFrame) {
      this.#sawFirstFrame = true;
      // Frames coalesced behind CONNECT in the same chunk are parsed before CONNECT is handled;
      // they must already be unescaped by the version it agrees.
      if (isConnect(frame)) this.#parser.setVersion(negotiateVersion(frame.headers['accept-version']) ?? '1.0');
    }
    if (this.#ended) return;
    const queued = frame.command === 'SEND' ? this.#admitSend(frame) : { frame, size: frameSize(frame), inFlight: false };
    if (!queued) return;
    if (queued.inFlight) this.#sendsInFlight++;
    else {
      if (this.#othersQueued >= this.deps.settings.maxSubscriptions + QUEUED_FRAMES_BEYOND_SUBSCRIPTIONS)
        return this.#fail('limit', 'too many frames sent ahead');
      if (this.#othersBytes + queued.size > MAX_QUEUED_BYTES) return this.#fail('limit', 'too many bytes sent ahead');
      this.#othersQueued++;
      this.#othersBytes += queued.size;
    }
    this.#inbox.push(queued);
    if (!this.#draining) void this.#drain();
  }

  /**
   * Decides what a SEND costs before it is queued, without keeping the body of one it refuses. A
   * kind whose handler has admit() (typing) may be dropped: past its admit(), or past
   * MAX_SENDS_IN_FLIGHT, as the contract drops the excess silently; other kinds past
   * MAX_SENDS_IN_FLIGHT are a user error. Undefined: dropped without a trace (no receipt asked).
   */
  #admitSend(frame: StompFrame): Queued | undefined {
    const bare = (verdict: Queued['verdict']): Queued => {
      const head = { command: frame.command, headers: frame.headers, body: Buffer.alloc(0) };
      return { frame: head, size: frameSize(head), inFlight: false, verdict };
    };
    const full = this.#sendsInFlight >= MAX_SENDS_IN_FLIGHT;
    const actor = this.#actor;
    const app = actor && parseAppDestination(frame.headers.destination ?? '');
    const admit = app && this.deps.app[app.kind]?.admit;
    if (admit) {
      // A full session does not ask admit(): a frame dropped anyway must not spend the user's rate.
      if (full || !admit({ actor, tradeId: app.tradeId, session: this })) return frame.headers.receipt === undefined ? undefined : bare('receipt-only');
    } else if (full) return bare(tooManySends());
    return { frame, size: frameSize(frame), inFlight: true };
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      for (let queued = this.#takeQueued(); queued && !this.#ended; queued = this.#takeQueued()) {
        try {
          await this.#handle(queued);
        } finally {
          if (queued.inFlight) this.#sendsInFlight--;
        }
      }
    } catch (err) {
      this.#crash(err);
    } finally {
      this.#draining = false;
      // An emptied array keeps its grown backing store; an idle session should not.
      if (this.#inbox.length === 0) this.#inbox = [];
    }
  }

  #takeQueued(): Queued | undefined {
    const queued = this.#inbox.shift();
    if (!queued) return undefined;
    if (!queued.inFlight) {
      this.#othersQueued--;
      this.#othersBytes -= queued.size;
    }
    return queued;
  }

  async #handle(queued: Queued): Promise<void> {
    const { frame } = queued;
    const { receipt } = frame.headers;
    if (receipt !== undefined && !this.#fits('receipt-id', receipt)) return this.#fail('protocol', 'receipt header cannot be echoed');
    const actor = this.#actor;
    if (!actor) return isConnect(frame) ? this.#connect(frame) : this.#fail('protocol', 'the first frame must be CONNECT or STOMP', receipt);
    switch (frame.command) {
      case 'SUBSCRIBE':
        return this.#subscribe(frame, actor);
      case 'UNSUBSCRIBE':
        return this.#unsubscribe(frame, actor);
      case 'DISCONNECT':
        return this.#disconnect(receipt);
      case 'SEND':
        return this.#send(queued, actor);
      case 'CONNECT':
      case 'STOMP':
        return this.#fail('protocol', 'already connected', receipt);
      case 'ACK':
      case 'NACK':
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        return this.#fail('unsupported', `${frame.command} is not supported: subscriptions are ack:auto and there are no transactions`, receipt);
      default:
        return this.#fail('protocol', `${frame.command} is a server frame`, receipt);
    }
  }

  #connect(frame: StompFrame): void {
    const version = negotiateVersion(frame.headers['accept-version']);
    if (!version) return this.#fail('protocol', 'no common STOMP version', undefined, { version: SUPPORTED_VERSIONS.join(',') });
    const clientBeats = version === '1.0' ? ([0, 0] as [number, number]) : parseHeartBeat(frame.headers['heart-beat']);
    if (!clientBeats) return this.#fail('protocol', 'malformed heart-beat header');

    const authorization = frame.headers.Authorization ?? frame.headers.authorization;
    let token: VerifiedToken;
    try {
      token = this.deps.verify(authorization);
    } catch (err) {
      if (err instanceof AuthError) return this.#fail('auth', `authentication failed: ${err.message}`);
      throw err;
    }
    const { actor } = token;
    if (!this.deps.quota.tryAcquire(actor.userId)) return this.#fail('limit', 'too many open connections for this user');

    // Roles are read here only: a session lives no longer than its token, so a role taken
    // away reaches live sessions within the token lifetime (at most JWT_MAX_TTL).
    this.#actor = actor;
    this.#authorization = token.authorization;
    this.#expiresAtMs = token.expiresAtMs ?? Infinity;
    this.#version = version;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    const offer = this.deps.settings.heartbeatMs;
    const headers: Record<string, string> = { version, 'heart-beat': `${offer},${offer}`, server: SERVER_NAME };
    // Spring's header for an authenticated session; a user id that cannot be a header goes without.
    if (this.#fits('user-name', actor.userId)) headers['user-name'] = actor.userId;
    this.#write(encodeFrame({ command: 'CONNECTED', headers }, version));
    this.#heartbeats.start(negotiateHeartbeats(clientBeats, offer), {
      beat: () => this.#guarded(() => this.#write(HEARTBEAT)),
      silent: () => this.#guarded(() => this.#drop('heartbeat-timeout')),
    });
  }

  async #subscribe(frame: StompFrame, actor: Actor): Promise<void> {
    const { destination, ack, receipt } = frame.headers;
    // In STOMP 1.0 the id is optional; the destination then serves as the id.
    const id = frame.headers.id ?? (this.#version === '1.0' ? destination : undefined);
    if (id === undefined || destination === undefined) return this.#fail('protocol', 'SUBSCRIBE needs id and destination headers', receipt);
    // The id is echoed in every MESSAGE, so it must be one the session's version can carry. The
    // length cap is for ids the client chose; a destination serving as id is held to the frame
    // limits already, and to the destination rules by the access check.
    const chosen = frame.headers.id !== undefined;
    if (id === '' || (chosen && id.length > MAX_SUBSCRIPTION_ID_LENGTH) || !this.#fits('subscription', id)) {
      return this.#fail('protocol', `subscription id must be 1 to ${MAX_SUBSCRIPTION_ID_LENGTH} characters that fit in a header`, receipt);
    }
    if (this.#subscriptions.some((s) => s.id === id)) return this.#fail('protocol', 'subscription id already in use', receipt);
    if (ack !== undefined && ack !== 'auto') return this.#fail('unsupported', 'only ack:auto is supported', receipt);
    const { maxSubscriptions } = this.deps.settings;
    if (this.#subscriptions.length >= maxSubscriptions) return this.#fail('limit', `at most ${maxSubscriptions} subscriptions per connection`, receipt);

    let access: Access;
    try {
      access = await this.deps.guard.check(destination, actor, this.#authorization);
    } catch (err) {
      this.deps.logger.warn({ err, userId: actor.userId }, 'subscription access check failed');
      return this.#fail('unavailable', 'cannot check access now; try again later', receipt);
    }
    if (this.#ended) return;
    // The destination is not echoed: it is client text and may not fit in a header.
    if (!access.granted) return this.#fail('forbidden', `subscription refused: ${access.reason}`, receipt);

    const { registry } = this.deps;
    const { key, header } = resolveDestination(destination, actor.userId);
    const subscription: Subscription = {
      sink: this,
      version: this.#version,
      subscriptionHeader: registry.subscriptionHeader(id, this.#version),
      role: access.role,
      userId: actor.userId,
      id,
      destination: key,
    };
    // Listed before add(): add() tells presence, which may write to this session; if that write
    // drops a slow client, #end() must find this subscription to take it out of the registry.
    this.#subscriptions = this.#subscriptions.concat(subscription);
    // The registry's copy of the destination: shared by its subscribers, and not a slice that
    // keeps the whole header line of this client's frame alive.
    subscription.destination = registry.add(key, subscription, header);
    this.#receipt(receipt);
  }

  #unsubscribe(frame: StompFrame, actor: Actor): void {
    const { id, destination, receipt } = frame.headers;
    // In STOMP 1.0 a client may name the destination instead of the id.
    const key = id === undefined && this.#version === '1.0' && destination !== undefined ? resolveDestination(destination, actor.userId).key : undefined;
    if (id === undefined && key === undefined) return this.#fail('protocol', 'UNSUBSCRIBE needs an id header', receipt);
    // An unknown id is not an error: the subscription is gone either way.
    const subscription = this.#subscriptions.find((s) => (key === undefined ? s.id === id : s.destination === key));
    if (subscription) {
      this.#subscriptions = this.#subscriptions.filter((s) => s !== subscription);
      this.deps.registry.remove(subscription.destination, subscription);
    }
    this.#receipt(receipt);
  }

  async #send(queued: Queued, actor: Actor): Promise<void> {
    const { headers, body } = queued.frame;
    const { destination, receipt } = headers;
    if (destination === undefined) return this.#fail('protocol', 'SEND needs a destination header', receipt);
    // Only application destinations: the server alone publishes to /topic and /user.
    if (!destination.startsWith('/app/')) return this.#fail('forbidden', 'clients may SEND only to application destinations (/app/...)', receipt);
    // Past exp the session lives on only for the sweep's leeway, but the api judges the forwarded
    // token without one: it would answer `unauthorized`, which clients do not retry. The expiry
    // close instead makes them get a new token and send again.
    if (Date.now() >= this.#expiresAtMs) return this.#expire(receipt);
    try {
      if (queued.verdict instanceof AppUserError) throw queued.verdict;
      if (queued.verdict !== 'receipt-only') {
        const app = parseAppDestination(destination);
        const handler = app && this.deps.app[app.kind];
        // The destination is not echoed: it is client text.
        if (!handler) throw new AppUserError('not_found', 'no such application destination');
        const json = decodeSendBody(headers['content-type'], body, this.deps.settings.maxSendBodyBytes);
        await handler.handle({ actor, tradeId: app.tradeId, session: this, authorization: this.#authorization, body: json });
      }
    } catch (err) {
      if (err instanceof AppUserError) return this.#userError(err, receipt, actor);
      throw err;
    }
    this.#receipt(receipt);
  }

  /**
   * Spring's @SendToUser convention: to the session's `/user/queue/errors`, with the failed frame's
   * receipt as `receipt-id`. A session that does not listen there would never learn of it (and a
   * client waiting for the receipt would hang), so it gets ERROR and a close instead.
   */
  #userError(err: AppUserError, receipt: string | undefined, actor: Actor): void {
    const key = userQueueKey('errors', actor.userId);
    const subscription = this.#subscriptions.find((s) => s.destination === key);
    if (!subscription) return this.#fail(err.code === 'unavailable' ? 'unavailable' : 'rejected', `${err.code}: ${err.message}`, receipt);
    const headers: Record<string, string> = {
      destination: userDestinations.errors,
      'message-id': this.deps.registry.nextMessageId(),
      subscription: subscription.id,
      'content-type': 'application/json',
    };
    if (receipt !== undefined) headers['receipt-id'] = receipt;
    this.#write(encodeFrame({ command: 'MESSAGE', headers, body: Buffer.from(JSON.stringify({ error: err.code, message: err.message })) }, this.#version));
  }

  #disconnect(receipt: string | undefined): void {
    this.#receipt(receipt);
    this.connection.close(CLOSE_CODES.disconnected, 'disconnected');
    this.#end();
  }

  #receipt(receipt: string | undefined): void {
    if (receipt !== undefined) this.#write(encodeFrame({ command: 'RECEIPT', headers: { 'receipt-id': receipt } }, this.#version));
  }

  #fits(name: string, value: string): boolean {
    try {
      encodeHeaderLine(name, value, this.#version);
      return true;
    } catch {
      return false;
    }
  }

  #write(data: Buffer | PreEncodedFrame): void {
    if (this.#ended) return;
    this.connection.send(data);
    this.#heartbeats.noteSent();
    if (this.connection.bufferedBytes() > this.deps.settings.maxBufferedBytes) {
      this.deps.metrics.slowClientDisconnects.inc({ transport: this.connection.transport });
      this.deps.logger.info({ userId: this.#actor?.userId, remoteAddress: this.connection.remoteAddress }, 'dropping a client that stopped reading');
      this.connection.terminate();
      this.#end();
    }
  }

  /** ERROR frame, then close: the one way a session fails. */
  #fail(reason: SessionEndReason, message: string, receipt?: string, extra: Record<string, string> = {}): void {
    if (this.#ended) return;
    this.deps.metrics.sessionErrors.inc({ reason });
    this.deps.logger.debug({ reason, message, userId: this.#actor?.userId, remoteAddress: this.connection.remoteAddress }, 'STOMP session failed');
    const headers: Record<string, string> = { ...extra, message };
    if (receipt !== undefined) headers['receipt-id'] = receipt;
    this.#write(encodeFrame({ command: 'ERROR', headers }, this.#version));
    this.connection.close(CLOSE_CODES[CLOSE_CODE_OF[reason]], reason);
    this.#end();
  }

  /** For a peer that is gone or not reading: a close handshake would only wait on it. */
  #drop(reason: SessionEndReason): void {
    if (this.#ended) return;
    this.deps.metrics.sessionErrors.inc({ reason });
    this.connection.terminate();
    this.#end();
  }

  /** Any bug while handling one connection ends that connection, never the process. */
  #guarded(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.#crash(err);
    }
  }

  #crash(err: unknown): void {
    this.deps.logger.error({ err, userId: this.#actor?.userId }, 'STOMP session crashed');
    try {
      this.#fail('internal', 'internal server error');
    } catch {
      this.connection.terminate();
      this.#end();
    }
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#heartbeats.stop();
    this.#inbox = [];
    this.#othersQueued = 0;
    this.#othersBytes = 0;
    this.#authorization = '';
    for (const subscription of this.#subscriptions) this.deps.registry.remove(subscription.destination, subscription);
    this.#subscriptions = [];
    if (this.#actor) this.deps.quota.release(this.#actor.userId);
  }
}

function isConnect(frame: StompFrame): boolean {
  return frame.command === 'CONNECT' || frame.command === 'STOMP';
}
