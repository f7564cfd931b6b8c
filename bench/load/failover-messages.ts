/** What the failover scenario and its load-generator process say to each other over IPC. */
import type { TransportOption } from '../../client/src/socket-transport.js';
import type { AttemptSecond } from './failover-attempts.js';

export interface FailoverSetup {
  apiUrl: string;
  /** The clients' gateway URL list; every client starts on the first. */
  gatewayUrls: string[];
  jwtSecret: string;
  /** One entry per client: the user it is logged in as and the trade it watches. */
  clients: { userId: string; tradeId: string }[];
  /** Clients starting at once. */
  startConcurrency: number;
  transport: TransportOption;
}

export type ToLoadGenerator =
  | { type: 'start'; setup: FailoverSetup }
  /** The gateway is about to be killed: from now on, count requests and watch states. */
  | { type: 'mark' }
  /** Chat has stopped: compare what each client showed with what the api stored. */
  | { type: 'verify'; settleMs: number }
  /** How many clients are live now, and how many of them left `live` since the mark. */
  | { type: 'status' };

/** REST requests of the clients in one bucket of time after the mark. */
export interface RequestBucket {
  sent: number;
  /** Answered with a status below 500. */
  answered: number;
  /** 5xx or no answer. */
  failed: number;
  /**
   * Of those, catch-ups (`fresh=1`): the client is live, but without what was committed while its
   * socket was down until a try is answered.
   */
  catchUpsFailed: number;
  /** Given up by the client itself: mostly long polls aborted once the socket was back (any request but a catch-up). */
  abandoned: number;
  /** Given up by the client itself: a catch-up (`fresh=1`) past its deadline (60 s), or whose connection ended. */
  catchUpsAbandoned: number;
}

/** A bucket with nothing counted yet; its keys are every count a bucket has. */
export function emptyBucket(): RequestBucket {
  return { sent: 0, answered: 0, failed: 0, catchUpsFailed: 0, abandoned: 0, catchUpsAbandoned: 0 };
}

export type FromLoadGenerator =
  | { type: 'ready'; clients: number }
  /** The mark is set: the gateway may be killed now. */
  | { type: 'marked' }
  | { type: 'status'; live: number; leftLive: number; back: number }
  | {
      type: 'verified';
      /** Messages the api stored in the watched trades, summed over the clients that watch them. */
      expected: number;
      /** Stored messages a client never showed. */
      lost: number;
      /** Messages a client showed more than once (each extra showing counts). */
      duplicated: number;
      clientsMissingSome: number;
      /** Those clients by their connection state at the count: one not `live` may still be catching up through a swamped api. */
      missingByState: Record<string, number>;
      /** A few of those clients: their missing seqs and what they show. */
      missingSamples: string[];
      /** The clients' failed requests after the mark by status ('error': no answer). */
      failures: Record<string, number>;
      bucketMs: number;
      buckets: RequestBucket[];
      /** The clients' connection attempts after the mark, per second. */
      attempts: AttemptSecond[];
    };
