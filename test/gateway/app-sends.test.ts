import assert from 'node:assert/strict';
import { issueToken, verifyToken } from '../../src/auth/jwt.js';
import { CLOSE_CODES } from '../../src/contract/close-codes.js';
import { appDestinations, MAX_SENDS_IN_FLIGHT } from '../../src/contract/app-destinations.js';
import { userDestinations } from '../../src/contract/destinations.js';
import type { AppHandler, AppSend, AppSendHead } from '../../src/gateway/app-sends/app-handler.js';
import { AppUserError } from '../../src/gateway/app-sends/app-user-error.js';
import { frame } from '../support/raw-stomp.js';
import { eventually } from '../support/eventually.js';
import { setUpSession, type FakeSessionOptions } from '../support/fake-session.js';

const TRADE = '0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11';
const CHAT = appDestinations.chat(TRADE);

/** A handler whose calls the test settles by hand. */
class HeldHandler implements AppHandler {
  readonly calls: { send: AppSend; settle(err?: Error): void }[] = [];
  handle(send: AppSend): Promise<void> {
    return new Promise((resolve, reject) => this.calls.push({ send, settle: (err) => (err ? reject(err) : resolve()) }));
  }
}

/** Lets queued frames and settled promises run. */
const turn = () => new Promise(setImmediate);

function connected(handler: AppHandler = { handle: async () => {} }, options: Omit<FakeSessionOptions, 'app'> = {}) {
  const t = setUpSession(undefined, undefined, { app: { chat: handler }, ...options });
  return { ...t, commands: () => t.connection.frames.map((f) => f.command) };
}

async function subscribeToErrors(connection: ReturnType<typeof connected>['connection']) {
  connection.receive(frame('SUBSCRIBE', { id: 'errors', destination: userDestinations.errors, receipt: 'sub' }));
  await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'sub'));
}

describe('gateway: SEND to application destinations (the session side)', () => {
  it('CONNECTED names the user, as Spring does', async () => {
    const { connection } = connected();
    await eventually(() => assert.equal(connection.frames[0]?.command, 'CONNECTED'));
    assert.equal(connection.frames[0]!.headers['user-name'], 'bob');
  });

  it('hands a SEND to its handler as the session user, and sends the receipt only when the handler is done', async () => {
    const handler = new HeldHandler();
    const { connection } = connected(handler);
    connection.receive(frame('SEND', { destination: CHAT, receipt: 'r1' }, '{"message":"hi"}'));
    await eventually(() => assert.equal(handler.calls.length, 1));
    const { send } = handler.calls[0]!;
    assert.deepEqual([send.actor, send.tradeId, send.authorization, send.body], [{ userId: 'bob', isAdmin: false }, TRADE, 'Bearer bob', { message: 'hi' }]);
    await turn();
    assert.equal(connection.frames.at(-1)?.command, 'CONNECTED', 'a receipt before the handler finished');
    handler.calls[0]!.settle();
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'r1'));
    assert.equal(connection.closedWith, undefined);
  });

  it('handles frames in order: a SUBSCRIBE behind a waiting SEND is answered after it', async () => {
    const handler = new HeldHandler();
    const { connection, commands } = connected(handler);
    await subscribeToErrors(connection);
    connection.receive(
      frame('SEND', { destination: CHAT, receipt: 'send' }, '{}') + frame('SUBSCRIBE', { id: 's', destination: '/topic/users/bob/trades', receipt: 'sub2' }),
    );
    await eventually(() => assert.equal(handler.calls.length, 1));
    await turn();
    assert.deepEqual(commands(), ['CONNECTED', 'RECEIPT']);
    handler.calls[0]!.settle();
    await eventually(() =>
      assert.deepEqual(
        connection.frames.slice(2).map((f) => f.headers['receipt-id']),
        ['send', 'sub2'],
      ),
    );
  });

  for (const destination of ['/topic/trades', `/topic/trades/${TRADE}/chat`, userDestinations.errors, '/queue/x', 'app/trades']) {
    it(`answers a SEND to ${destination} with ERROR and a close (protocol, not a user error)`, async () => {
      const { connection } = connected();
      await subscribeToErrors(connection);
      connection.receive(frame('SEND', { destination, receipt: 'r' }, '{}'));
      await eventually(() => assert.equal(connection.closedWith, 1008));
      assert.equal(connection.frames.at(-1)?.command, 'ERROR');
      assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'r');
    });
  }

  it('reports a user error on /user/queue/errors with the receipt as receipt-id, and keeps the connection', async () => {
    const handler = new HeldHandler();
    const { connection } = connected(handler);
    await subscribeToErrors(connection);
    connection.receive(frame('SEND', { destination: CHAT, receipt: 'r1' }, '{}'));
    await eventually(() => assert.equal(handler.calls.length, 1));
    handler.calls[0]!.settle(new AppUserError('forbidden', 'this trade is not yours'));
    await eventually(() => assert.equal(connection.frames.at(-1)?.command, 'MESSAGE'));
    const message = connection.frames.at(-1)!;
    assert.equal(message.headers.destination, userDestinations.errors);
    assert.equal(message.headers.subscription, 'errors');
    assert.equal(message.headers['receipt-id'], 'r1');
    assert.equal(message.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(message.body.toString()), { error: 'forbidden', message: 'this trade is not yours' });
    // Still serving: the next SEND goes through.
    connection.receive(frame('SEND', { destination: CHAT, receipt: 'r2' }, '{}'));
    await eventually(() => assert.equal(handler.calls.length, 2));
    handler.calls[1]!.settle();
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'r2'));
    assert.equal(connection.closedWith, undefined);
  });

  it('answers a user error with ERROR (receipt-id kept) and a close when the session does not listen on /user/queue/errors', async () => {
    for (const [code, closeCode] of [
      ['forbidden', 1008],
      ['unavailable', 1013],
    ] as const) {
      const handler = new HeldHandler();
      const { connection } = connected(handler);
      connection.receive(frame('SEND', { destination: CHAT, receipt: 'r1' }, '{}'));
      await eventually(() => assert.equal(handler.calls.length, 1));
      handler.calls[0]!.settle(new AppUserError(code, 'no'));
      await eventually(() => assert.equal(connection.closedWith, closeCode));
      assert.equal(connection.frames.at(-1)?.command, 'ERROR');
      assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'r1');
      assert.equal(connection.frames.at(-1)?.headers.message, `${code}: no`);
    }
  });

  it('treats anything else a handler throws as a bug: ERROR internal and a close', async () => {
    const { connection } = connected({ handle: async () => Promise.reject(new TypeError('oops')) });
    await subscribeToErrors(connection);
    connection.receive(frame('SEND', { destination: CHAT, receipt: 'r1' }, '{}'));
    await eventually(() => assert.equal(connection.closedWith, 1011));
  });

  const badBodies: [string, Record<string, string>, string, string][] = [
    ['not JSON', {}, '{"message": hi}', 'bad_request'],
    ['a content-type other than JSON or text', { 'content-type': 'application/x-www-form-urlencoded' }, 'message=hi', 'bad_request'],
    ['a charset other than UTF-8', { 'content-type': 'text/plain;charset=ISO-8859-1' }, '{}', 'bad_request'],
    ['more than the REST body limit', {}, JSON.stringify({ message: 'x'.repeat(16 * 1024) }), 'payload_too_large'],
  ];
  for (const [name, headers, body, code] of badBodies) {
    it(`answers a body with ${name} with the user error ${code}, without calling the handler`, async () => {
      const handler = new HeldHandler();
      const { connection } = connected(handler);
      await subscribeToErrors(connection);
      connection.receive(frame('SEND', { destination: CHAT, receipt: 'r', ...headers }, body));
      await eventually(() => assert.equal(connection.frames.at(-1)?.command, 'MESSAGE'));
      assert.equal(JSON.parse(connection.frames.at(-1)!.body.toString()).error, code);
      assert.equal(connection.frames.at(-1)!.headers['receipt-id'], 'r');
      assert.equal(handler.calls.length, 0);
      assert.equal(connection.closedWith, undefined);
    });
  }

  it('accepts a body with no content-type, application/json or text/plain, charset params included; an empty body is undefined', async () => {
    const bodies: unknown[] = [];
    const { connection } = connected({ handle: async ({ body }) => void bodies.push(body) });
    const types = [undefined, 'application/json', 'application/json;charset=utf-8', 'text/plain', 'text/plain; charset="UTF-8"'];
    for (const [i, type] of types.entries()) {
      connection.receive(frame('SEND', { destination: CHAT, receipt: `r${i}`, ...(type ? { 'content-type': type } : {}) }, `{"n":${i}}`));
    }
    connection.receive(frame('SEND', { destination: CHAT, receipt: 'empty' }));
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'empty'));
    assert.deepEqual(bodies, [...types.map((_, n) => ({ n })), undefined]);
  });

  it('answers an /app destination nobody handles with the user error not_found', async () => {
    const { connection } = connected();
    await subscribeToErrors(connection);
    for (const destination of [appDestinations.typing(TRADE), '/app/trades/not-a-trade/chat', '/app/other']) {
      connection.receive(frame('SEND', { destination, receipt: destination }, '{}'));
      await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], destination));
      assert.equal(JSON.parse(connection.frames.at(-1)!.body.toString()).error, 'not_found');
    }
  });

  it(`holds ${MAX_SENDS_IN_FLIGHT} SENDs in flight; the next is the user error rate_limited, answered in order`, async () => {
    const handler = new HeldHandler();
    const { connection } = connected(handler);
    await subscribeToErrors(connection);
    const sends = Array.from({ length: MAX_SENDS_IN_FLIGHT + 1 }, (_, i) => frame('SEND', { destination: CHAT, receipt: `r${i}` }, '{}'));
    connection.receive(sends.join(''));
    await eventually(() => assert.equal(handler.calls.length, 1));
    for (let i = 0; i < MAX_SENDS_IN_FLIGHT; i++) {
      await eventually(() => assert.equal(handler.calls.length, i + 1));
      handler.calls[i]!.settle();
    }
    const last = `r${MAX_SENDS_IN_FLIGHT}`;
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], last));
    const answers = connection.frames.slice(2);
    assert.deepEqual(
      answers.map((f) => f.headers['receipt-id']),
      sends.map((_, i) => `r${i}`),
    );
    assert.equal(answers.at(-1)!.command, 'MESSAGE');
    assert.equal(JSON.parse(answers.at(-1)!.body.toString()).error, 'rate_limited');
    assert.equal(handler.calls.length, MAX_SENDS_IN_FLIGHT, 'the refused SEND reached the handler');
    assert.equal(connection.closedWith, undefined);
  });

  it(`drops a typing frame past the ${MAX_SENDS_IN_FLIGHT} SENDs in flight silently (its receipt only), also for a session not on /user/queue/errors`, async () => {
    const chat = new HeldHandler();
    const typed: AppSend[] = [];
    const typing: AppHandler = { admit: () => true, handle: async (send) => void typed.push(send) };
    const { connection } = setUpSession(undefined, undefined, { app: { chat, typing } });
    const sends = Array.from({ length: MAX_SENDS_IN_FLIGHT }, (_, i) => frame('SEND', { destination: CHAT, receipt: `send${i}` }, '{}'));
    const typingFrame = (headers: Record<string, string> = {}) => frame('SEND', { destination: appDestinations.typing(TRADE), ...headers }, '{}');
    connection.receive(sends.join('') + typingFrame() + typingFrame({ receipt: 'typing' }));
    for (let i = 0; i < MAX_SENDS_IN_FLIGHT; i++) {
      await eventually(() => assert.equal(chat.calls.length, i + 1));
      chat.calls[i]!.settle();
    }
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'typing'));
    assert.deepEqual(
      connection.frames.slice(1).map((f) => `${f.command} ${f.headers['receipt-id']}`),
      [...sends.map((_, i) => `RECEIPT send${i}`), 'RECEIPT typing'],
    );
    assert.equal(typed.length, 0, 'a typing frame past the bound reached its handler');
    assert.equal(connection.closedWith, undefined);
  });

  it('leaves no subscription in the registry when a write made while subscribing drops the session (a slow client)', async () => {
    const { connection, registry } = setUpSession();
    await eventually(() => assert.equal(connection.frames[0]?.command, 'CONNECTED'));
    // As presence tells a new subscriber the current state: a message to it from inside add(),
    // here one the client does not read, so the session ends there.
    registry.observe({
      added: (destination, subscriber) => {
        connection.bufferedBytes = () => 1_000_000;
        registry.deliverTo(subscriber, destination, Buffer.from('{}'));
      },
      removed: () => {},
    });
    connection.receive(frame('SUBSCRIBE', { id: 's', destination: '/topic/users/bob/trades', receipt: 'sub' }));
    await eventually(() => assert.equal(connection.closedWith, 'terminated'));
    await turn();
    assert.equal(registry.size, 0, 'an ended session is still subscribed');
  });

  it("ends the session with ERROR and close tokenExpired on a SEND whose token is past exp (the sweep's leeway), without calling the handler", async () => {
    const handler = new HeldHandler();
    const expiresAtMs = Date.now() + 100;
    const { connection } = connected(handler, { verify: () => ({ actor: { userId: 'bob', isAdmin: false }, expiresAtMs, authorization: 'Bearer bob' }) });
    await subscribeToErrors(connection);
    await new Promise((resolve) => setTimeout(resolve, expiresAtMs + 20 - Date.now()));
    connection.receive(frame('SEND', { destination: CHAT, receipt: 'r1' }, '{}'));
    await eventually(() => assert.equal(connection.closedWith, CLOSE_CODES.tokenExpired));
    assert.equal(connection.frames.at(-1)?.command, 'ERROR');
    assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'r1');
    assert.match(connection.frames.at(-1)?.headers.message ?? '', /token expired/);
    assert.equal(handler.calls.length, 0);
  });

  it('forwards the Authorization value as the verifier read it, `Bearer <token>`, not as sent', async () => {
    const rules = { secret: 'app-sends-test-secret-0123456789abcdef', requireExpiry: false, maxTtlSeconds: 86_400 };
    const token = issueToken(rules.secret, 'bob');
    // Trailing U+3000 or U+FEFF pass the verifier's trim() but are not valid in an HTTP header.
    for (const sent of [`Bearer ${token}\u3000`, `Bearer ${token}\uFEFF`, ` bearer  ${token}`]) {
      const handler = new HeldHandler();
      const { connection } = setUpSession(undefined, sent, { app: { chat: handler }, verify: (authorization) => verifyToken(authorization, rules) });
      connection.receive(frame('SEND', { destination: CHAT, receipt: 'r1' }, '{}'));
      await eventually(() => assert.equal(handler.calls.length, 1));
      assert.equal(handler.calls[0]!.send.authorization, `Bearer ${token}`);
    }
  });

  it('does not trip the "sent ahead" bound for a full burst of SUBSCRIBEs while SENDs wait for their commit', async () => {
    const handler = new HeldHandler();
    const { connection } = connected(handler);
    await subscribeToErrors(connection);
    // maxSubscriptions is 10 here, so 10 + 32 other frames may wait, plus the SENDs in flight.
    connection.receive(Array.from({ length: MAX_SENDS_IN_FLIGHT }, (_, i) => frame('SEND', { destination: CHAT, receipt: `send${i}` }, '{}')).join(''));
    await eventually(() => assert.equal(handler.calls.length, 1));
    const subscribe = (i: number) => frame('SUBSCRIBE', { id: `s${i}`, destination: '/topic/users/bob/trades', receipt: `sub${i}` });
    connection.receive(Array.from({ length: 42 }, (_, i) => subscribe(i)).join(''));
    assert.equal(connection.closedWith, undefined, 'a burst within the bound was cut');
    connection.receive(subscribe(42));
    assert.match(connection.frames.at(-1)?.headers.message ?? '', /too many frames sent ahead/);
  });

  it('drops frames its handler does not admit before they are queued; one that asked for a receipt gets it, in order', async () => {
    const held = new HeldHandler();
    const admitted: AppSendHead[] = [];
    let open = false;
    const typing: AppHandler = {
      admit: (head) => (admitted.push(head), open),
      handle: (send) => held.handle(send),
    };
    const t = setUpSession(undefined, undefined, { app: { chat: new HeldHandler(), typing } });
    const { connection } = t;
    await eventually(() => assert.equal(connection.frames[0]?.command, 'CONNECTED'));
    const typingFrame = (headers: Record<string, string> = {}) => frame('SEND', { destination: appDestinations.typing(TRADE), ...headers }, '{}');
    // Far more than the queue holds: none of them is queued, so none trips the bound.
    connection.receive(Array.from({ length: 200 }, () => typingFrame()).join(''));
    connection.receive(typingFrame({ receipt: 'dropped' }));
    open = true;
    connection.receive(typingFrame({ receipt: 'kept' }));
    await eventually(() => assert.equal(held.calls.length, 1));
    held.calls[0]!.settle();
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'kept'));
    assert.deepEqual(
      connection.frames.slice(1).map((f) => f.headers['receipt-id']),
      ['dropped', 'kept'],
    );
    assert.equal(admitted.length, 202);
    assert.deepEqual([admitted[0]!.actor.userId, admitted[0]!.tradeId], ['bob', TRADE]);
    assert.equal(connection.closedWith, undefined);
  });
});

describe('gateway: STOMP 1.0 optional forms', () => {
  it('a 1.0 SUBSCRIBE without id uses the destination as id; UNSUBSCRIBE by destination ends it', async () => {
    const { connection, registry } = setUpSession(undefined, undefined, { version: '1.0' });
    connection.receive(frame('SUBSCRIBE', { destination: '/topic/users/bob/trades', receipt: 'sub' }));
    await eventually(() => assert.equal(registry.size, 1));
    registry.publish({ destination: '/topic/users/bob/trades', body: Buffer.from('{}'), audience: null });
    await eventually(() => assert.equal(connection.frames.at(-1)?.command, 'MESSAGE'));
    assert.equal(connection.frames.at(-1)!.headers.subscription, '/topic/users/bob/trades');
    connection.receive(frame('UNSUBSCRIBE', { destination: '/topic/users/bob/trades', receipt: 'unsub' }));
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'unsub'));
    assert.equal(registry.size, 0);
  });

  it('a 1.0 UNSUBSCRIBE by destination ends a subscription made with an id, and a user destination', async () => {
    const { connection, registry } = setUpSession(undefined, undefined, { version: '1.0' });
    connection.receive(frame('SUBSCRIBE', { id: 'mine', destination: userDestinations.notifications }));
    await eventually(() => assert.equal(registry.size, 1));
    connection.receive(frame('UNSUBSCRIBE', { destination: userDestinations.notifications, receipt: 'unsub' }));
    await eventually(() => assert.equal(connection.frames.at(-1)?.headers['receipt-id'], 'unsub'));
    assert.equal(registry.size, 0);
  });

  for (const version of ['1.1', '1.2']) {
    it(`a ${version} SUBSCRIBE without id, or UNSUBSCRIBE without id, is still a protocol error`, async () => {
      for (const bad of [frame('SUBSCRIBE', { destination: '/topic/users/bob/trades' }), frame('UNSUBSCRIBE', { destination: '/topic/users/bob/trades' })]) {
        const { connection } = setUpSession(undefined, undefined, { version });
        connection.receive(bad);
        await eventually(() => assert.equal(connection.closedWith, 1002));
      }
    });
  }
});
