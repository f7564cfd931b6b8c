import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactSecrets } from './redact.js';

export type { Logger };

/** Headers that are credentials whatever their value; any other header is scrubbed of tokens. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-access-token', 'x-api-key']);

export const LOGGER_OPTIONS: LoggerOptions = {
  // Tokens are credentials: never write them to logs, wherever a request puts them.
  redact: {
    paths: ['req.headers.*', 'headers.*', 'req.url', 'url'],
    censor: (value: unknown, path: string[]) => {
      if (CREDENTIAL_HEADERS.has(path.at(-1)!.toLowerCase()) && path.at(-2) === 'headers') return '[redacted]';
      return typeof value === 'string' ? redactSecrets(value) : value;
    },
  },
};

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ ...LOGGER_OPTIONS, level, base: { ...base, pid: process.pid } });
}
