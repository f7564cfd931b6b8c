import { Router } from 'express';
import type { TranscriptService } from '../../domain/transcript-service.js';
import { actorOf } from '../authenticate.js';

/** The transcript and its check; behind authentication (docs/transcript.md). */
export function transcriptRoutes(transcripts: TranscriptService): Router {
  const router = Router();
  router.param('tradeId', (req, _res, next, value: string) => {
    req.params.tradeId = value.toLowerCase();
    next();
  });

  router.get('/trades/:tradeId/transcript', async (req, res) => {
    res.json(await transcripts.transcript(actorOf(res), req.params.tradeId));
  });

  router.get('/trades/:tradeId/transcript/verify', async (req, res) => {
    res.json(await transcripts.check(actorOf(res), req.params.tradeId));
  });

  return router;
}

/** The public keys, to anyone: a third party checking a transcript needs no account. */
export function transcriptKeysRoute(transcripts: TranscriptService): Router {
  return Router().get('/transcript-keys', (_req, res) => {
    res.json({ keys: transcripts.publicKeys });
  });
}
