import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Health, Readiness } from '../contract/shapes.js';

/** A dependency /readyz waits for; `check` rejects or returns false when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean>;
}

/** /healthz (process alive), /readyz (dependencies usable), /metrics (Prometheus). */
export function opsRoutes(checks: ReadinessCheck[], registry: Registry): Router {
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
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
