import cors from 'cors';
import { accessLog, type AccessLogOptions } from './access-log.js';
import type { PipelineStep } from './pipeline-step.js';
import { securityHeaders } from './security-headers.js';

export type { PipelineStep } from './pipeline-step.js';

export interface PipelineOptions {
  accessLog: AccessLogOptions;
  corsOrigins: string[];
  /** PUBLIC_GATEWAY_URLS: what the CSP's connect-src allows besides the page's own origin. */
  gatewayUrls: string[];
  /** `OverloadGuard.step`: one guard per process, so its in-flight count sees every path. */
  shedReads: PipelineStep;
}

/** What every API request passes before its route. Add a cross-cutting step here, not in one path. */
export function apiRequestPipeline(options: PipelineOptions): PipelineStep[] {
  return [
    accessLog(options.accessLog),
    securityHeaders({ gatewayUrls: options.gatewayUrls }),
    // Retry-After is not a CORS-safelisted header: a browser client on another origin could not
    // read it without this.
    cors({ origin: options.corsOrigins.includes('*') ? true : options.corsOrigins, exposedHeaders: ['Retry-After'] }),
    // After CORS, so a browser can read the 503 it sheds with.
    options.shedReads,
  ];
}
