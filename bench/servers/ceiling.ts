import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { type WebSocket, WebSocketServer } from 'ws';
import { consumeEvents, requireEnv } from './event-source.js';

/**
 * The ceiling: a raw `ws` server that does the least a STOMP broadcast can do. It answers
 * CONNECT and SUBSCRIBE without checking anything and sends every subscriber the same MESSAGE
 * frame bytes our gateway would (same headers, `subscription:sub-0` as the load clients' first
 * subscription), built once per event, with the idiomatic `ws.send` loop.
 */
const destination = requireEnv('BENCH_DESTINATION');
const CONNECTED = 'CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0';
const NUL = Buffer.alloc(1);
const idPrefix = randomBytes(4).toString('hex');
let nextId = 0;

const subscribers = new Set<WebSocket>();
const server = createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    if (text.startsWith('CONNECT')) return ws.send(CONNECTED);
    if (!text.startsWith('SUBSCRIBE')) return;
    subscribers.add(ws);
    const receipt = /\nreceipt:([^\n]*)/.exec(text)?.[1];
    if (receipt !== undefined) ws.send(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
  });
  ws.on('close', () => subscribers.delete(ws));
});

await consumeEvents('notification.new', (body) => {
  const head = `MESSAGE\ndestination:${destination}\nmessage-id:${idPrefix}-${(nextId++).toString(36)}\ncontent-type:application/json\nsubscription:sub-0\ncontent-length:${body.length}\n\n`;
  const frame = Buffer.concat([Buffer.from(head), body, NUL]);
  for (const ws of subscribers) ws.send(frame, { binary: false });
});
server.listen(Number(requireEnv('PORT')), '127.0.0.1');
