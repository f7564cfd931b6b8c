import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { notificationEvent } from '../../src/events/events.js';
import { RecentEvents } from '../../src/gateway/recent-events.js';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser } from '../support/gateway-harness.js';
import { StompTestClient } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';

describe('gateway: an event delivered twice is pushed once', () => {
  it('remembers ids up to its capacity, the oldest going first', () => {
    const recent = new RecentEvents(2);
    assert.deepEqual(
      ['a', 'b', 'a', 'c', 'a', 'b'].map((id) => recent.firstTime(id)),
      [true, true, false, true, true, true],
    );
  });

  for (const drivers of DRIVER_SETS) {
    it(`drops a redelivered event [${drivers.name}]`, async () => {
      const t = await startGatewayTestSystem(drivers);
      const user = uniqueUser('user');
      const client = await StompTestClient.connect(t.baseUrl, 'websocket', { authorization: t.auth(user) });
      try {
        const inbox = await client.subscribe(`/topic/users/${user}/notifications`);
        const event = notificationEvent({
          eventId: randomUUID(),
          userId: user,
          notificationId: randomUUID(),
          type: 'T',
          message: 'once',
          timestamp: new Date().toISOString(),
        });
        await t.system.bus.publish(event);
        await t.system.bus.publish(event);
        await eventually(() => assert.equal(inbox.messages.length, 1));
        await sleep(200);
        assert.equal(inbox.messages.length, 1);
      } finally {
        await client.disconnect();
        await t.close();
      }
    });
  }
});
