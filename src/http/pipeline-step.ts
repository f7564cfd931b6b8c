import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A connect-style step. Express runs these for every API route, and any lean path that answers
 * outside Express (the sync poll) runs the same list, so both give the same headers and limits.
 */
export type PipelineStep = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
