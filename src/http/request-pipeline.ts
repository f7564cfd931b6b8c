import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import { accessLog, type AccessLogOptions } from './access-log.js';
import { securityHeaders } from './security-headers.js';

/**
 * A connect-style step. Express runs these for every API route, and any lean path that answers
 * outside Express (the sync poll) runs the same list, so both give the same headers and limits.
 */
export type PipelineStep = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface PipelineOptions {
  accessLog: AccessLogOptions;
  corsOrigins: string[];
  /** PUBLIC_GATEWAY_URLS: what the CSP's connect-src allows besides the page's own origin. */
  gatewayUrls: string[];
}

/** What every API request passes before its route. Add a cross-cutting step here, not in one path. */
export function apiRequestPipeline(options: PipelineOptions): PipelineStep[] {
  return [
    accessLog(options.accessLog),
    securityHeaders({ gatewayUrls: options.gatewayUrls }),
    cors({ origin: options.corsOrigins.includes('*') ? true : options.corsOrigins }),
  ];
}
