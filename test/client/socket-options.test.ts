import assert from 'node:assert/strict';
import { SOCKET_DEFAULTS, socketOptions } from '../../client/src/stompjs-link.js';

describe('client: the socket options createRealtimeClient connects with', () => {
  it('takes the library’s defaults at the gateway endpoint of baseUrl', () => {
    assert.deepEqual(socketOptions({}, 'https://p2p.example'), { ...SOCKET_DEFAULTS, urls: ['https://p2p.example/ws'] });
  });

  it('keeps a default where an option is given as undefined', () => {
    const given = { connectTimeoutMs: undefined, heartbeatMs: undefined, transport: undefined, receiptTimeoutMs: 1_000 };
    assert.deepEqual(socketOptions(given, 'https://p2p.example'), {
      ...SOCKET_DEFAULTS,
      receiptTimeoutMs: 1_000,
      urls: ['https://p2p.example/ws'],
    });
  });

  it('forms the plain WebSocket endpoint for transport websocket, and takes urls or url as given', () => {
    assert.deepEqual(socketOptions({ transport: 'websocket' }, 'https://p2p.example').urls, ['wss://p2p.example/ws/websocket']);
    assert.deepEqual(socketOptions({ urls: ['/a/ws', '/b/ws'] }, 'https://p2p.example').urls, ['/a/ws', '/b/ws']);
    assert.deepEqual(socketOptions({ url: '/one/ws' }, 'https://p2p.example').urls, ['/one/ws']);
  });
});
