import express, { Router } from 'express';
import { z } from 'zod';
import { issueToken, type TokenRules } from '../auth/jwt.js';
import { PAGE_CONFIG_PATH } from '../contract/page-config.js';
import { userIdSchema, type PageConfig } from '../contract/shapes.js';
import { sendError } from './errors.js';

export interface DemoRoutesOptions {
  /** Demo mode: `POST /demo/login` hands out a token for any user id, admin if asked. Never in production. */
  demo: boolean;
  tokens: TokenRules;
  /** Served at PAGE_CONFIG_PATH: where the page's socket may go. */
  page: PageConfig;
  /** The built client, normally CLIENT_DIST_DIR. */
  staticDir: string;
}

export const loginBody = z.object({
  userId: userIdSchema,
  admin: z.boolean().optional().meta({ description: 'A token with `roles: ["ADMIN"]`: the demo\'s mediator for disputed trades.' }),
});

export const loginResponse = z.object({ token: z.string().meta({ description: 'A JWT for the user, valid 12 h.' }) });

/**
 * The demo page at `/` and, in demo mode only, its password-less login. Bad input throws a
 * ZodError for the app's error handler, like every other route.
 */
export function demoRoutes(options: DemoRoutesOptions): Router {
  const router = Router();
  router.get(PAGE_CONFIG_PATH, (_req, res) => {
    res.json(options.page);
  });
  router.use(express.static(options.staticDir));
  // Browsers ask for /favicon.ico whatever the page links; a 404 there is a console error.
  router.get('/favicon.ico', (_req, res) => res.redirect(301, '/favicon.svg'));
  router.get('/', (_req, res) => {
    // Reached only when there is no built index.html to serve.
    sendError(res, 404, 'not_found', 'the demo client is not built: run npm run build:client');
  });

  if (options.demo) {
    router.post('/demo/login', express.json({ limit: 1024 }), (req, res) => {
      const { userId, admin } = loginBody.parse(req.body);
      const { secret, issuer, audience } = options.tokens;
      res.json({ token: issueToken(secret, userId, { admin, issuer, audience }) } satisfies z.infer<typeof loginResponse>);
    });
  }
  return router;
}
