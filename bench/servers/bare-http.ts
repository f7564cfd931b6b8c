import { createServer } from 'node:http';
import { requireEnv } from './event-source.js';

/** The ceiling for any HTTP route on this machine: Node's `http` answering `[]` to everything. */
createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 });
  res.end('[]');
}).listen(Number(requireEnv('PORT')), '127.0.0.1');
