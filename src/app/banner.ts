import { issueToken } from '../auth/jwt.js';

export interface BannerInput {
  role: string;
  host: string;
  port: number;
  /** Demo mode (`npm start`): the page and a ready token are shown too. */
  demoSecret?: string;
}

/** Where to go once a role is up; printed after the last start-up log line. */
export function startBanner({ role, host, port, demoSecret }: BannerInput): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  if (demoSecret === undefined) return `\n  ${role} role ready at ${url}  (health: ${url}/readyz)\n`;
  const token = issueToken(demoSecret, 'alice');
  return `
  ==> Demo: open ${url}/ in a browser  (role ${role}, demo mode)
  A token for user "alice" (12 h): ${token}
  More tokens: npm run token -- <userId> [--admin]
  Try: curl -H "Authorization: Bearer ${token.slice(0, 12)}..." ${url}/p2p/notifications
  Successful requests are logged at debug level (LOG_LEVEL=debug shows them).
`;
}
