import { Router } from 'express';
import { asyncApiDocument } from './asyncapi.js';
import { openApiDocument } from './openapi.js';
import type { JsonSchema } from './json-schemas.js';

/** `/openapi.json` and `/asyncapi.json`, public like the contract they describe; built on first request. */
export function apiDocsRoutes(): Router {
  const router = Router();
  const serve = (path: string, build: () => JsonSchema) => {
    let document: JsonSchema | undefined;
    router.get(path, (_req, res) => {
      res.json((document ??= build()));
    });
  };
  serve('/openapi.json', openApiDocument);
  serve('/asyncapi.json', asyncApiDocument);
  return router;
}
