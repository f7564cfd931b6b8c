import { Agent, request } from 'node:http';
import type { Fetch } from '../../client/src/rest-api.js';

/**
 * The client library's `Fetch` over node:http, for load generators that run thousands of
 * library users in one process. In a browser, fetch runs on the user's own CPU; here it runs
 * on the two cores the servers under test share, and Node's fetch (undici) was a third of the
 * failover generator's CPU (docs/benchmarks.md). On the wire it is the same: HTTP/1.1 with
 * keep-alive connections shared by the process, as undici's global pool shares them. http only
 * (the bench's servers are local).
 */
export function httpFetch(): Fetch {
  // Node's servers close an idle connection after 5 s: give it up first, so no request is sent on a closing one.
  const agent = new Agent({ keepAlive: true, timeout: 4_000 });
  return (url, init) =>
    new Promise((resolve, reject) => {
      const req = request(url, { agent, method: init.method, headers: init.headers, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
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
      req.on('error', reject);
      req.end(init.body);
    });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
