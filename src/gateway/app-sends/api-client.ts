import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isErrorCode } from '../../contract/error-codes.js';
import { AppUserError } from './app-user-error.js';

/** The api's base URL, or undefined while it is not known (role `all` before the server listens). */
export type ApiBase = () => URL | undefined;

// Answers are the REST API's: a stored message, an error body. Anything longer is not the api.
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Hands a request to the api's REST routes as a user, with that user's token, so the api
 * authenticates, validates, rate-limits and writes exactly as for a browser's request: one writer,
 * one rate limit, one outbox. The gateway reaches the api only this way (biome.json's layering).
 */
export class ApiClient {
  // Kept-alive connections: a SEND must not pay a TCP handshake.
  readonly #agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

  constructor(
    private readonly base: ApiBase,
    private readonly timeoutMs: number,
  ) {}

  /**
   * POSTs a JSON body and resolves with the api's JSON answer when it is a 2xx. Throws
   * AppUserError: the api's own `{error, message}` for a 4xx, `unavailable` for a 5xx, a refused
   * connection, a timeout or no api configured.
   */
  async post(path: string, authorization: string, body: unknown): Promise<unknown> {
    const base = this.base();
    if (!base) throw new AppUserError('unavailable', 'no api is configured for this gateway (API_URL)');
    const { status, text } = await this.#request(joinPath(base, path), authorization, JSON.stringify(body ?? null));
    const answer = parseJson(text);
    if (status >= 200 && status < 300) return answer;
    if (status >= 500) throw new AppUserError('unavailable', errorField(answer, 'message') ?? 'the api is unavailable; try again later');
    // A code the contract does not know is a refusal all the same: the same SEND would be refused again.
    const code = errorField(answer, 'error');
    throw new AppUserError(code !== undefined && isErrorCode(code) ? code : 'bad_request', errorField(answer, 'message') ?? `the api answered ${status}`);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    for (const agent of Object.values(this.#agents)) agent.destroy();
  }

  #request(url: URL, authorization: string, payload: string): Promise<{ status: number; text: string }> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const agent = url.protocol === 'https:' ? this.#agents['https:'] : this.#agents['http:'];
    return new Promise((resolve, reject) => {
      const unavailable = (why: string) => reject(new AppUserError('unavailable', `the api is unavailable (${why}); try again later`));
      const req = send(
        url,
        {
          method: 'POST',
          agent,
          timeout: this.timeoutMs,
          headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), accept: 'application/json' },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) return res.destroy(new Error('answer too large'));
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 502, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => unavailable(err.message));
        },
      );
      // `timeout` covers an idle socket; the overall deadline is ours.
      const deadline = setTimeout(() => req.destroy(new Error('timed out')), this.timeoutMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => unavailable(err.message));
      req.end(payload);
    });
  }
}

/**
 * The route under the base URL's path: `new URL('/p2p/...', base)` would resolve it against the
 * origin and drop a prefix such as `http://ingress/internal-api`.
 */
function joinPath(base: URL, path: string): URL {
  const url = new URL(base);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorField(answer: unknown, name: 'error' | 'message'): string | undefined {
  const value = (answer as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}
