import type { RequestHandler, Response } from 'express';
import { authenticate, type TokenRules } from '../auth/jwt.js';
import type { Actor } from '../auth/actor.js';

export function requireAuth(rules: TokenRules): RequestHandler {
  return (req, res, next) => {
    res.locals.actor = authenticate(req.headers.authorization, rules);
    next();
  };
}

export function actorOf(res: Response): Actor {
  return res.locals.actor as Actor;
}
