import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { AuthError } from '../../src/auth/jwt.js';
import type { AppHandlers } from '../../src/gateway/app-sends/app-handler.js';
import { ConnectionQuota } from '../../src/gateway/connection-quota.js';
import { DestinationGuard } from '../../src/gateway/destinations.js';
import { createGatewayMetrics } from '../../src/gateway/gateway-metrics.js';
import { StompSession, type SessionDeps } from '../../src/gateway/stomp-session.js';
import { SubscriptionRegistry } from '../../src/gateway/subscription-registry.js';
import type { TradeAccess } from '../../src/domain/trade-access.js';
import { StompParser } from '../../src/protocol/stomp/parser.js';
import type { StompFrame, StompVersion } from '../../src/protocol/stomp/frame.js';
import { PreEncodedFrame, type ClientConnection } from '../../src/transport/client-connection.js';
import { frame } from './raw-stomp.js';
import { pino } from 'pino';

/** A connection driven by the test: what the session sends is parsed into `frames`. */
export class FakeConnection implements ClientConnection {
  readonly transport = 'websocket';
  readonly remoteAddress = '127.0.0.1';
  readonly frames: StompFrame[] = [];
  closedWith: number | 'terminated' | undefined;
  closeReason: string | undefined;
  failSends = false;
  #onMessage: (data: Buffer | string) => void = () => {};
  #onClose: () => void = () => {};
  readonly #parser: StompParser = new StompParser({
    onFrame: (f) => {
      // Later frames are escaped by the version the server agreed.
      if (f.command === 'CONNECTED') this.#parser.setVersion((f.headers.version ?? '1.0') as StompVersion);
      this.frames.push(f);
    },
    onError: (err) => assert.fail(err),
  });

  bufferedBytes = () => 0;
  send(data: Buffer | PreEncodedFrame): void {
    if (this.failSends) throw new Error('socket exploded');
    this.#parser.push(data instanceof PreEncodedFrame ? data.bytes : data);
  }
  close(code: number, reason: string): void {
    this.closedWith = code;
    this.closeReason = reason;
  }
  terminate(): void {
    this.closedWith = 'terminated';
  }
  onMessage(listener: (data: Buffer | string) => void): void {
    this.#onMessage = listener;
  }
  onClose(listener: () => void): void {
    this.#onClose = listener;
  }
  receive(text: string): void {
    this.#onMessage(text);
  }
  clientCloses(): void {
    this.#onClose();
  }
}

export interface FakeSessionOptions {
  trades?: TradeAccess;
  authorization?: string;
  app?: AppHandlers;
  /** The CONNECT frame's accept-version. */
  version?: string;
  /** Replaces the fake verifier (which takes only `Bearer bob`, good for a minute). */
  verify?: SessionDeps['verify'];
}

/**
 * A StompSession on a FakeConnection, CONNECTed as bob (token `Bearer bob`) with at most 10
 * subscriptions and a 16 KiB SEND body limit.
 */
export function setUpSession(
  trades: TradeAccess = { roleInTrade: async () => 'BUYER', mediable: async () => false },
  authorization = 'Bearer bob',
  options: FakeSessionOptions = {},
) {
  const registry = new SubscriptionRegistry();
  const quota = new ConnectionQuota(1);
  const deps: SessionDeps = {
    settings: { heartbeatMs: 10_000, maxFrameBytes: 65536, maxSubscriptions: 10, maxBufferedBytes: 1024, connectTimeoutMs: 10_000, maxSendBodyBytes: 16384 },
    verify:
      options.verify ??
      ((authorization) => {
        if (authorization !== 'Bearer bob') throw new AuthError('invalid token');
        return { actor: { userId: 'bob', isAdmin: false }, expiresAtMs: Date.now() + 60_000, authorization };
      }),
    quota,
    guard: new DestinationGuard(trades, async () => {}),
    registry,
    app: options.app ?? {},
    metrics: createGatewayMetrics(new Registry(), () => ({
      connections: { websocket: 0, sockjs: 0 },
      subscriptions: 0,
      consuming: true,
      presence: { held: 0, peers: 0 },
    })),
    logger: pino({ level: 'silent' }),
  };
  const connection = new FakeConnection();
  const session = new StompSession(connection, deps);
  connection.receive(frame('CONNECT', { 'accept-version': options.version ?? '1.2', Authorization: authorization }));
  return { connection, registry, quota, session };
}
