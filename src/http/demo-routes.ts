import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { z } from 'zod';
import { issueToken } from '../auth/jwt.js';
import { userIdSchema } from '../contract/shapes.js';
import { sendError } from './errors.js';

/** Where scripts/build-client.mjs puts the demo page (the same path from src/http and dist/http). */
export const CLIENT_DIST_DIR = fileURLToPath(new URL('../../client/dist/', import.meta.url));

export interface DemoRoutesOptions {
  /** Demo mode: `POST /demo/login` hands out a token for any user id. Never in production. */
  demo: boolean;
  jwtSecret: string;
  /** The built client, normally CLIENT_DIST_DIR. */
  staticDir: string;
}

export const loginBody = z.object({
  userId: userIdSchema,
});

export const loginResponse = z.object({ token: z.string().meta({ description: 'A JWT for the user, valid 12 h.' }) });

/**
 * The demo page at `/` and, in demo mode only, its password-less login. Bad input throws a
 * ZodError for the app's error handler, like every other route.
 */
export function demoRoutes(options: DemoRoutesOptions): Router {
  const router = Router();
  router.use(express.static(options.staticDir));
  // Browsers ask for /favicon.ico whatever the page links; a 404 there is a console error.
  router.get('/favicon.ico', (_req, res) => res.redirect(301, '/favicon.svg'));
  router.get('/', (_req, res) => {
    // Reached only when there is no built index.html to serve.
    sendError(res, 404, 'not_found', 'the demo client is not built: run npm run build:client');
  });

  if (options.demo) {
    router.post('/demo/login', express.json({ limit: 1024 }), (req, res) => {
      const { userId } = loginBody.parse(req.body);
      res.json({ token: issueToken(options.jwtSecret, userId) } satisfies z.infer<typeof loginResponse>);
    });
  }
  return router;
}
