import assert from 'node:assert/strict';
import { ChatEventListener, EVENT_LISTENERS, NotificationEventListener, TradeEventListener, TypingEventListener } from '../../src/gateway/event-listeners.js';
import { chatMessageEvent, notificationEvent, tradeStatusEvent, typingEvent } from '../../src/events/events.js';
import { ROUTING_KEYS, TRANSIENT_ROUTING_KEYS } from '../../src/contract/routing-keys.js';
import type { ChatMessageEvent } from '../../src/contract/events.js';

const TRADE = '0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11';
const trade = tradeStatusEvent({
  eventId: 'e1',
  tradeId: TRADE,
  buyerId: 'bob',
  sellerId: 'sue',
  actorId: 'bob',
  previousStatus: 'PENDING',
  status: 'PAID',
  timestamp: '2025-01-02T03:04:05.678Z',
});
// No senderRole, as another publisher may send it.
const chatPayload: ChatMessageEvent = {
  eventId: 'e2',
  tradeId: TRADE,
  chatId: 'c1',
  seq: 7,
  senderId: null,
  message: 'Người mua đã thanh toán',
  timestamp: '2025-01-02T03:04:05.679Z',
  recipientRole: 'SELLER',
  isSystemMessage: true,
};
const chat = chatMessageEvent(chatPayload);
const notification = notificationEvent({
  eventId: 'e3',
  userId: 'sue',
  notificationId: 'n1',
  type: 'TRADE_PAID',
  message: 'paid',
  timestamp: '2025-01-02T03:04:05.680Z',
});

describe('gateway event listeners', () => {
  it('consume every routing key of the contract between them, each on its own queue', () => {
    // Presence announcements are the presence table's, not a listener's (src/gateway/presence.ts).
    assert.deepEqual(EVENT_LISTENERS.flatMap((l) => l.routingKeys).sort(), [...Object.values(ROUTING_KEYS), TRANSIENT_ROUTING_KEYS.typing].sort());
    assert.deepEqual(EVENT_LISTENERS.map((l) => l.queue).sort(), ['chat', 'notification', 'trade', 'typing']);
  });

  it("sends a trade status event as it is to the four trade destinations and both parties' /user/queue/trades", () => {
    const routed = TradeEventListener.route(trade);
    assert.deepEqual(
      routed.map((p) => p.destination),
      ['/topic/trades', `/topic/trades/${TRADE}`, '/topic/users/bob/trades', '/topic/users/sue/trades', '/user/bob/queue/trades', '/user/sue/queue/trades'],
    );
    for (const p of routed) {
      assert.deepEqual(JSON.parse(p.body.toString()), trade.payload);
      assert.equal(p.audience, null);
    }
  });

  it('sends a chat event in the REST shape to the trade chat, for its recipient side', () => {
    const [routed, ...rest] = ChatEventListener.route(chat);
    assert.equal(rest.length, 0);
    assert.equal(routed!.destination, `/topic/trades/${TRADE}/chat`);
    assert.equal(routed!.audience, 'SELLER');
    assert.equal(
      routed!.body.toString(),
      JSON.stringify({
        id: 'c1',
        tradeId: TRADE,
        seq: 7,
        senderId: null,
        senderRole: null,
        message: 'Người mua đã thanh toán',
        timestamp: '2025-01-02T03:04:05.679Z',
        recipientRole: 'SELLER',
        isSystemMessage: true,
      }),
    );
  });

  it("pushes a message's senderRole, and null for another publisher's event that has none", () => {
    const mediator = chatMessageEvent({ ...chatPayload, senderId: 'root', senderRole: 'MEDIATOR', recipientRole: null, isSystemMessage: false });
    assert.equal(JSON.parse(ChatEventListener.route(mediator)[0]!.body.toString()).senderRole, 'MEDIATOR');
    const foreign = chatMessageEvent({ ...chatPayload, senderId: 'bob', recipientRole: null, isSystemMessage: false });
    assert.equal(JSON.parse(ChatEventListener.route(foreign)[0]!.body.toString()).senderRole, null);
  });

  it("sends a notification as it is to its user's notifications, topic and /user/queue/notifications", () => {
    const routed = NotificationEventListener.route(notification);
    assert.deepEqual(
      routed.map((p) => [p.destination, JSON.parse(p.body.toString())]),
      [
        ['/topic/users/sue/notifications', notification.payload],
        ['/user/sue/queue/notifications', notification.payload],
      ],
    );
  });

  it('sends typing as it is, and only its three fields, to the trade typing topic for everyone', () => {
    const payload = { tradeId: 't1', userId: 'bob', at: '2025-01-02T03:04:05.680Z' };
    const routed = TypingEventListener.route(typingEvent({ ...payload, extra: 'dropped' } as typeof payload));
    assert.deepEqual(
      routed.map((p) => [p.destination, p.body.toString(), p.audience]),
      [['/topic/trades/t1/typing', JSON.stringify(payload), null]],
    );
  });

  it('ignores events of a type it does not handle', () => {
    assert.deepEqual(TypingEventListener.route(chat), []);
    assert.deepEqual(TradeEventListener.route(chat), []);
    assert.deepEqual(ChatEventListener.route(notification), []);
    assert.deepEqual(NotificationEventListener.route(trade), []);
  });
});
