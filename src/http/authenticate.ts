import type { RequestHandler, Response } from 'express';
import { authenticate } from '../auth/jwt.js';
import type { Actor } from '../auth/actor.js';

export function requireAuth(secret: string): RequestHandler {
  return (req, res, next) => {
    res.locals.actor = authenticate(req.headers.authorization, secret);
    next();
  };
}

export function actorOf(res: Response): Actor {
  return res.locals.actor as Actor;
}
