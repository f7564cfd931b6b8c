import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { useCluster } from './support.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';
import { StompTestClient } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { AMQP_URL } from '../support/services.js';
import { scrapeMetrics } from '../support/metrics.js';

const EVENTS = 300;

describe('fault: a client whose network path stalls (stops reading)', function () {
  this.timeout(120_000);
  const suite = useCluster({ gateways: 1, env: { GATEWAY_MAX_BUFFERED_BYTES: String(256 * 1024) } });

  it('is dropped by the gateway while the others on the same destination get every event', async () => {
    const { cluster } = suite;
    const gateway = cluster.gateways[0]!.url;
    const user = uniqueUser('user');
    const destination = `/topic/users/${user}/notifications`;
    const healthy = await Promise.all([1, 2].map(() => StompTestClient.connect(gateway, 'websocket', { authorization: cluster.auth(user) })));
    const inboxes = await Promise.all(healthy.map((c) => c.subscribe(destination)));
    const stalled = await RawStompSocket.open(gateway, 'raw');
    await stalled.connect(cluster.auth(user));
    stalled.send(frame('SUBSCRIBE', { id: 'n', destination, receipt: 'ready' }));
    await stalled.next('RECEIPT');
    (await stalled.tcp).pause();

    // ~18 MB through the real broker: far beyond what kernel socket buffers absorb.
    const connection = await amqplib.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      const message = 'x'.repeat(60_000);
      for (let i = 0; i < EVENTS; i++) {
        const eventId = randomUUID();
        const body = { eventId, userId: user, notificationId: randomUUID(), type: 'TEST', message, timestamp: new Date().toISOString() };
        channel.publish(cluster.amqp.exchange, 'notification.new', Buffer.from(JSON.stringify(body)), {
          type: 'NotificationEvent',
          messageId: eventId,
          contentType: 'application/json',
        });
        // The healthy clients live in this process: let them read as the events flow.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }

    for (const inbox of inboxes) await eventually(() => assert.equal(inbox.messages.length, EVENTS), 30_000);
    const metrics = await scrapeMetrics(gateway);
    assert.match(metrics, /^gateway_slow_client_disconnects_total\{transport="websocket",role="gateway"\} 1$/m);
    assert.match(metrics, /^gateway_connections\{transport="websocket",role="gateway"\} 2$/m);
    (await stalled.tcp).resume();
    await stalled.closed;
    assert.ok(stalled.frames.filter((f) => f.command === 'MESSAGE').length < EVENTS);
    await Promise.all(healthy.map((c) => c.disconnect()));
  });
});
