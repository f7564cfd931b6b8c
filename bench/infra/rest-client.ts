import { issueToken } from '../../src/auth/jwt.js';
import { JWT_SECRET } from '../settings.js';

const tokens = new Map<string, string>();

/** `Authorization` value for a bench user, signed once per run. */
export function bearer(userId: string, options: { admin?: boolean } = {}): string {
  const key = `${userId}${options.admin ? ' admin' : ''}`;
  let token = tokens.get(key);
  if (!token) tokens.set(key, (token = issueToken(JWT_SECRET, userId, { ...options, expiresIn: '2h' })));
  return `Bearer ${token}`;
}

/** A call to the api role that must succeed; returns the parsed JSON body. */
export async function rest<T>(baseUrl: string, userId: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: bearer(userId), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Opens a trade between the two users and returns its id. */
export async function openTrade(apiUrl: string, buyer: string, seller: string): Promise<string> {
  const trade = await rest<{ id: string }>(apiUrl, buyer, 'POST', '/p2p/trades', { sellerId: seller, amount: '100', asset: 'USDT', fiat: 'VND' });
  return trade.id;
}
