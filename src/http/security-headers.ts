import helmet from 'helmet';
import type { PipelineStep } from './pipeline-step.js';

/**
 * CSP sources for the gateways a page may reach: each URL's origin, for SockJS's HTTP requests
 * and iframe transports, and its ws:/wss: twin for WebSockets.
 */
export function gatewaySources(gatewayUrls: readonly string[]): { http: string[]; ws: string[] } {
  const http = [...new Set(gatewayUrls.map((url) => new URL(url).origin))];
  return { http, ws: http.map((origin) => origin.replace(/^http/, 'ws')) };
}

/**
 * Headers on every API response and on the demo page. Helmet's defaults would break this
 * product, so each choice is explicit: connect-src allows the configured gateways (the page's
 * own origin, ws: included, is 'self'); no upgrade-insecure-requests (plain-http hosts such as
 * `npm start` on a LAN address); no HSTS (the TLS terminator's business); no
 * Cross-Origin-Resource-Policy (front ends load realtime-client.js from other origins).
 */
export function securityHeaders(options: { gatewayUrls: readonly string[] }): PipelineStep {
  const gateways = gatewaySources(options.gatewayUrls);
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ...gateways.http, ...gateways.ws],
        frameSrc: ["'self'", ...gateways.http],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: false,
    crossOriginResourcePolicy: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
