import { Agent, type ClientRequest, request } from 'node:http';
import type { Fetch } from '../../client/src/rest-api.js';

/**
 * The client library's `Fetch` over node:http, for load generators that run thousands of
 * library users in one process. In a browser, fetch runs on the user's own CPU; here it runs
 * on the two cores the servers under test share, and Node's fetch (undici) was a third of the
 * failover generator's CPU (docs/benchmarks.md, "The failover load generator's own CPU"). On the
 * wire it is the same: HTTP/1.1 with keep-alive connections shared by the process, as undici's
 * global pool shares them. http only, and no redirects (the bench's servers are local and send
 * none).
 */
export function httpFetch(): Fetch {
  const agent = new Agent({
    keepAlive: true,
    // Undici keeps every idle connection until its idle timeout; node:http would close all but
    // 256 after a burst, and the next burst would open them again on the server under test.
    maxFreeSockets: Number.POSITIVE_INFINITY,
    // Node's servers close an idle connection after 5 s. Below that (and only with a timeout of
    // its own) the agent gives an idle socket up first, which makes a request on a socket the
    // server is closing rarer; the retry below covers the rest.
    timeout: 4_000,
  });
  const send = (url: string, init: Parameters<Fetch>[1], retried: boolean): ReturnType<Fetch> =>
    new Promise((resolve, reject) => {
      const req: ClientRequest = request(url, { agent, method: init.method, headers: init.headers, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
            json: async () => JSON.parse(body) as unknown,
          });
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // The server closed the kept connection as the request went out on it: an idle close,
        // which handled nothing, or a server that died with the request (the bench kills
        // gateways, never the api this talks to). Browsers send it again on a new connection,
        // once, whatever the method; so does this.
        if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) resolve(send(url, init, true));
        else reject(err);
      });
      req.end(init.body);
    });
  return (url, init) => send(url, init, false);
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
