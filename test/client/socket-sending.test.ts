import assert from 'node:assert/strict';
import { ApiError } from '../../client/src/rest-api.js';
import { appDestinations, topics, userDestinations } from '../../client/src/wire.js';
import { settle } from './support/fake-clock.js';
import { TRADE_ID } from './support/fake-server.js';
import { live, setup, type World } from './support/world.js';

const CHAT_SEND = appDestinations.chat(TRADE_ID);
const REST_SENDS = /^POST \/p2p\/trades\/[^/]+\/chat/;

/** Calls `send` and records when (and how) it settles. */
function track(promise: Promise<unknown>) {
  const outcome: { settled: boolean; error?: unknown } = { settled: false };
  promise.then(
    () => (outcome.settled = true),
    (error: unknown) => Object.assign(outcome, { settled: true, error }),
  );
  return outcome;
}

const restSends = (world: World) => world.server.calls.filter((c) => REST_SENDS.test(c));

describe('client: send() over the socket while live, REST while not', () => {
  it('SENDs to the trade chat with a receipt, and resolves only on the RECEIPT (after the commit)', async () => {
    const world = setup();
    await live(world);
    const sending = track(world.client.send(TRADE_ID, 'Chào bạn 👋'));
    await settle();
    const [frame] = world.broker.current.sentTo(CHAT_SEND);
    assert.ok(frame?.receipt, 'a receipt header');
    const body = JSON.parse(frame.body) as { message: string; clientMessageId: string };
    assert.equal(body.message, 'Chào bạn 👋');
    assert.match(body.clientMessageId, /^[A-Za-z0-9_-]{1,64}$/);
    await world.clock.advance(5000);
    assert.equal(sending.settled, false, 'resolved before the RECEIPT');

    const stored = world.server.commitSend(TRADE_ID, frame.body);
    world.broker.current.receipt(frame.receipt);
    await settle();
    assert.deepEqual(sending, { settled: true });
    assert.deepEqual(restSends(world), [], 'a live socket sends no REST');
    // The message itself comes on the chat topic, like everyone else's.
    world.broker.current.push(topics.tradeChat(TRADE_ID), stored);
    assert.deepEqual(
      world.received.map((m) => m.message),
      ['Chào bạn 👋'],
    );
  });

  it('rejects with the user error whose receipt-id names the frame, as the ApiError REST would give, and does not retry it', async () => {
    const world = setup();
    await live(world);
    const sending = track(world.client.send(TRADE_ID, 'x'.repeat(3000)));
    await settle();
    const [frame] = world.broker.current.sentTo(CHAT_SEND);
    // Someone else's refusal (another frame) leaves this send waiting.
    world.broker.current.push(userDestinations.errors, { error: 'forbidden', message: 'not yours' }, { 'receipt-id': 'send-999' });
    await settle();
    assert.equal(sending.settled, false);
    world.broker.current.push(userDestinations.errors, { error: 'bad_request', message: 'message: too long' }, { 'receipt-id': frame!.receipt! });
    await settle();
    assert.ok(sending.error instanceof ApiError);
    assert.deepEqual([sending.error.status, sending.error.code, sending.error.message], [400, 'bad_request', 'message: too long']);
    await world.clock.advance(30_000);
    assert.equal(world.broker.current.sentTo(CHAT_SEND).length, 1);
    assert.deepEqual(restSends(world), []);
  });

  it('leaves nothing waiting on the link for a SEND a user error settled, also one abandoned before the refusal came', async () => {
    const world = setup();
    await live(world);
    const link = world.broker.current;
    const refused = track(world.client.send(TRADE_ID, 'refused at once'));
    await settle();
    const first = link.sentTo(CHAT_SEND)[0]!;
    link.push(userDestinations.errors, { error: 'forbidden', message: 'not a party' }, { 'receipt-id': first.receipt! });
    await settle();
    assert.ok(refused.error instanceof ApiError);
    assert.deepEqual(link.awaitingReceipts, [], 'the refused SEND is still awaited on the link');

    // No RECEIPT within 15 s: abandoned and tried again; the api's late refusal of the first try still settles it.
    const slow = track(world.client.send(TRADE_ID, 'slow then refused'));
    await world.clock.advance(15_000 + 1000);
    const [, tried, retried] = link.sentTo(CHAT_SEND);
    link.push(userDestinations.errors, { error: 'unavailable', message: 'api timeout' }, { 'receipt-id': tried!.receipt! });
    await settle();
    assert.deepEqual(link.awaitingReceipts, [retried!.receipt]);
    link.receipt(retried!.receipt);
    await settle();
    assert.deepEqual(slow, { settled: true });
    assert.deepEqual(link.awaitingReceipts, []);
  });

  it('retries a send refused as unavailable with the same clientMessageId', async () => {
    const world = setup();
    await live(world);
    const sending = track(world.client.send(TRADE_ID, 'later'));
    await settle();
    const first = world.broker.current.sentTo(CHAT_SEND)[0]!;
    world.broker.current.push(userDestinations.errors, { error: 'unavailable', message: 'the database is unavailable' }, { 'receipt-id': first.receipt! });
    await world.clock.advance(1000);
    const second = world.broker.current.sentTo(CHAT_SEND)[1];
    assert.ok(second, 'tried again');
    assert.equal(second.body, first.body, 'same message, same clientMessageId');
    assert.notEqual(second.receipt, first.receipt);
    world.broker.current.receipt(second.receipt);
    await settle();
    assert.deepEqual(sending, { settled: true });
  });

  it('when the socket drops after the commit but before the RECEIPT, retries over REST with the same key: stored once', async () => {
    const world = setup();
    await live(world);
    const sending = track(world.client.send(TRADE_ID, 'Chỉ một lần thôi'));
    await settle();
    const frame = world.broker.current.sentTo(CHAT_SEND)[0]!;
    world.server.commitSend(TRADE_ID, frame.body);
    world.broker.current.lose();
    assert.equal(world.client.state, 'polling');
    await world.clock.advance(1000);
    assert.deepEqual(sending, { settled: true });
    const key = (JSON.parse(frame.body) as { clientMessageId: string }).clientMessageId;
    assert.deepEqual(world.server.sendKeys(), [key]);
    assert.equal(world.server.messages.length, 1);
    // REST answered with the stored message: it is shown, once.
    assert.deepEqual(
      world.received.map((m) => m.message),
      ['Chỉ một lần thôi'],
    );
  });

  it('abandons a SEND with no RECEIPT within 15 s and tries again with the same key', async () => {
    const world = setup();
    await live(world);
    const sending = track(world.client.send(TRADE_ID, 'slow commit'));
    await world.clock.advance(14_999);
    assert.equal(world.broker.current.sentTo(CHAT_SEND).length, 1);
    await world.clock.advance(1 + 1000);
    const [first, second] = world.broker.current.sentTo(CHAT_SEND);
    assert.equal(second?.body, first?.body);
    world.broker.current.receipt(second?.receipt);
    await settle();
    assert.deepEqual(sending, { settled: true });
  });

  it('sends over REST while polling, and over REST while the errors queue is not yet confirmed', async () => {
    const polling = setup();
    await live(polling);
    polling.broker.current.lose();
    await polling.client.send(TRADE_ID, 'by REST');
    assert.equal(restSends(polling).length, 1);
    assert.deepEqual(
      polling.received.map((m) => m.message),
      ['by REST'],
    );

    // A SEND refused before the server has the errors subscription would close the connection.
    const unconfirmed = setup();
    unconfirmed.broker.confirms = false;
    unconfirmed.client.start();
    await settle();
    unconfirmed.broker.current.connect();
    await settle();
    assert.equal(unconfirmed.client.state, 'live');
    await unconfirmed.client.send(TRADE_ID, 'by REST too');
    assert.equal(restSends(unconfirmed).length, 1);
    assert.deepEqual(unconfirmed.broker.current.sent, []);
  });
});
