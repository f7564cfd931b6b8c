import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { authenticate } from '../../src/auth/jwt.js';
import { consumeEvents, requireEnv } from './event-source.js';

/**
 * The popular Node choice: Socket.IO 4 broadcasting each event to a room, WebSocket transport
 * only. Handshakes verify the same JWT as the gateway's CONNECT; a client joins the room with an
 * acknowledged `subscribe`, the counterpart of SUBSCRIBE with a receipt.
 */
const ROOM = 'bench';
// The gateway's rules in demo mode: the bench's tokens are its own.
const rules = { secret: requireEnv('JWT_SECRET'), requireExpiry: false, maxTtlSeconds: 24 * 3600 };

const server = createServer((req, res) => {
  res.writeHead(req.url === '/readyz' ? 200 : 404).end();
});
const io = new Server(server, { transports: ['websocket'], serveClient: false });
io.use((socket, next) => {
  try {
    authenticate(`Bearer ${String(socket.handshake.auth.token)}`, rules);
    next();
  } catch (err) {
    next(err as Error);
  }
});
io.on('connection', (socket) => {
  socket.on('subscribe', (ack: () => void) => {
    void socket.join(ROOM);
    ack();
  });
});

// Emitting the parsed event is what an application does; Socket.IO encodes the packet and its
// WebSocket frame once per broadcast.
await consumeEvents('notification.new', (body) => io.to(ROOM).emit('message', JSON.parse(body.toString('utf8'))));
server.listen(Number(requireEnv('PORT')), '127.0.0.1');
