import { createServer } from 'node:http';
import pg from 'pg';
import { CHAT_STATEMENT } from '../../src/sync/sync-reads.js';
import { requireEnv } from './event-source.js';

/**
 * The baseline of a sync that returns messages: a raw `http` handler that runs the sync route's
 * chat statement, prepared as the api prepares it, on a plain `pg` pool of the api's size and
 * answers the rows as JSON. No authentication, no cache, no mapping: the database round trip and
 * little else.
 * `GET /?trades=<id>:<afterSeq>,...` (the sync route's syntax; every trade read as the buyer).
 */
const pool = new pg.Pool({ connectionString: requireEnv('DATABASE_URL'), max: 10 });
createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/readyz') return void res.writeHead(200).end();
  const entries = (url.searchParams.get('trades') ?? '').split(',').map((e) => e.split(':'));
  pool
    .query({ ...CHAT_STATEMENT, values: [entries.map((e) => e[0]), entries.map((e) => Number(e[1])), entries.map(() => 'BUYER'), 1001] })
    .then(({ rows }) => {
      const body = JSON.stringify(rows);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    })
    .catch(() => res.writeHead(500).end());
}).listen(Number(requireEnv('PORT')), '127.0.0.1');
