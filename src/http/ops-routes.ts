import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Health, Readiness } from '../contract/shapes.js';
import { sendError } from './errors.js';

/** A dependency /readyz waits for; `check` rejects or returns false when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
}

/** Who may read /metrics. */
export interface MetricsAccess {
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token: string | undefined;
  /** Demo mode: without a token, /metrics is open; in production it is then refused. */
  openWithoutToken: boolean;
}

/**
 * /healthz (process alive), /readyz (dependencies usable), /metrics (Prometheus, behind
 * METRICS_TOKEN: its series name routes, users' connection counts and the process's memory).
 */
export function opsRoutes(checks: ReadinessCheck[], registry: Registry, metricsAccess: MetricsAccess): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' } satisfies Health);
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        const ok = await withTimeout(check(), 2_000).catch(() => false);
        return [name, ok ? ('ok' as const) : ('down' as const)] as const;
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    const body: Readiness = { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) };
    res.status(ready ? 200 : 503).json(body);
  });
  const expected = metricsAccess.token === undefined ? undefined : digest(`Bearer ${metricsAccess.token}`);
  router.get('/metrics', async (req, res) => {
    if (expected === undefined && !metricsAccess.openWithoutToken) {
      return sendError(res, 403, 'forbidden', 'metrics are off: set METRICS_TOKEN and scrape with it as a bearer token');
    }
    if (expected !== undefined && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return sendError(res, 401, 'unauthorized', 'metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

// Equal-length digests, so the comparison takes the same time whatever the caller sent.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
