import assert from 'node:assert/strict';
import { destinations } from '../../src/contract/destinations.js';
import { startGatewayTestSystem, startSecondGateway, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';
import { StompTestClient } from '../support/stomp-clients.js';

// The subscription limit (GATEWAY_MAX_SUBSCRIPTIONS default): a burst up to it must be served.
const SUBSCRIPTIONS = 100;

describe('gateway: a burst of subscriptions up to the limit, on a cold trade cache', function () {
  this.timeout(60_000);
  let api: GatewayTestSystem;
  let buyer: string;
  const tradeIds: string[] = [];

  before(async () => {
    api = await startGatewayTestSystem({ db: 'postgres', bus: 'rabbitmq' });
    buyer = uniqueUser('buyer');
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const trade = await api.system.trades.open(
        { userId: buyer, isAdmin: false },
        { sellerId: uniqueUser('seller'), amount: '1', asset: 'USDT', fiat: 'VND' },
      );
      tradeIds.push(trade.id);
    }
  });
  after(async () => {
    await api?.close();
  });

  // A new gateway process for each test: its trade lookups are cold, as after a restart.
  const coldGateway = () => startSecondGateway(api);

  it(`answers ${SUBSCRIPTIONS} SUBSCRIBEs sent in one message with ${SUBSCRIPTIONS} RECEIPTs`, async () => {
    const gateway = await coldGateway();
    const socket = await RawStompSocket.open(gateway.baseUrl);
    try {
      await socket.connect(api.auth(buyer));
      socket.send(tradeIds.map((id, i) => frame('SUBSCRIBE', { id: `s${i}`, destination: destinations.tradeChat(id), receipt: `r${i}` })).join(''));
      for (let i = 0; i < SUBSCRIPTIONS; i++) {
        const receipt = await socket.next('RECEIPT', 15_000);
        assert.equal(receipt.headers['receipt-id'], `r${i}`);
      }
      assert.equal(gateway.system.gateway!.stats().subscriptions, SUBSCRIPTIONS);
    } finally {
      socket.close();
      await gateway.close();
    }
  });

  it(`serves @stomp/stompjs subscribing to ${SUBSCRIPTIONS} destinations at once`, async () => {
    const gateway = await coldGateway();
    const client = await StompTestClient.connect(gateway.baseUrl, 'websocket', { authorization: api.auth(buyer) });
    try {
      await Promise.all(tradeIds.map((id) => client.subscribe(destinations.tradeChat(id))));
      assert.deepEqual(client.errors, []);
    } finally {
      await client.disconnect();
      await gateway.close();
    }
  });
});
