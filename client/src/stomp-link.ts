/**
 * The seam between the client's state machine and a STOMP library: one connection attempt.
 * `stompjs-link.ts` implements it on @stomp/stompjs; tests implement it in memory.
 */
export interface StompLink {
  subscribe(destination: string, onMessage: (body: string, headers: MessageHeaders) => void): Subscription;
  /**
   * SENDs a JSON body. With `receipt`, the frame carries that header and the promise settles on
   * the server's RECEIPT for it (for a chat SEND: after the commit); it rejects when the link
   * ends first. Without, it resolves at once.
   */
  send(destination: string, body: string, receipt?: string): Promise<void>;
  /**
   * The server answered the SEND carrying `receipt` with a user error (on `/user/queue/errors`)
   * rather than a RECEIPT: its promise rejects with `error`, and the link waits for it no more.
   */
  refused(receipt: string, error: Error): void;
  /** Ends the attempt; no handler is called after this. */
  close(): void;
}

/** A MESSAGE frame's headers, e.g. `receipt-id` on a user error. */
export type MessageHeaders = Readonly<Record<string, string>>;

export interface Subscription {
  /**
   * Settles once the server has registered the subscription (its RECEIPT). A REST read that
   * starts after that cannot miss a message the subscription will not deliver.
   */
  confirmed: Promise<void>;
  unsubscribe(): void;
}

export interface StompLinkHandlers {
  /** CONNECTED arrived: subscriptions may be made. */
  onConnected(): void;
  /** The attempt failed or the connection ended (close, error, ERROR frame, heart-beats missed). At most once. */
  onLost(loss: LinkLoss): void;
}

/** How a link ended, as far as the socket tells: the client decides from it how to come back. */
export interface LinkLoss {
  /** For logs: what happened. */
  reason: string;
  /** CONNECTED had arrived. */
  connected: boolean;
  /** The WebSocket close code and reason, when the connection was closed rather than cut. */
  code?: number;
  closeReason?: string;
  /** The `message` of an ERROR frame just before the close. */
  errorMessage?: string;
  /**
   * The link gave up on a gateway that had answered (its socket opened) because CONNECTED or a
   * RECEIPT did not come in time: it is up, only slow.
   */
  slow?: boolean;
}

/** Opens a connection with these CONNECT headers. Handlers are never called during the call itself. */
export type StompConnector = (connectHeaders: Record<string, string>, handlers: StompLinkHandlers) => StompLink;
