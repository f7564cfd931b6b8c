import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export const LOGGER_OPTIONS: LoggerOptions = {
  // Bearer tokens are credentials: never write them to logs.
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
};

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ ...LOGGER_OPTIONS, level, base: { ...base, pid: process.pid } });
}
