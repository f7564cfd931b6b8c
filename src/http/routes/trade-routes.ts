import { Router, type RequestHandler } from 'express';
import type { TradeService } from '../../domain/trade-service.js';
import type { ChatService } from '../../domain/chat-service.js';
import type { ChatReadService } from '../../domain/chat-reads.js';
import { actorOf } from '../authenticate.js';
import type { DisputeAuditService } from '../../domain/dispute-audit.js';
import { chatBody, chatQuery, disputeListQuery, openTradeBody, readBody, statusBody, tradeListQuery } from '../validation.js';

export function tradeRoutes(
  trades: TradeService,
  chat: ChatService,
  reads: ChatReadService,
  audit: DisputeAuditService,
  limits: { send: RequestHandler; read: RequestHandler; open: RequestHandler[] },
): Router {
  const router = Router();
  // Events and STOMP destinations carry trade ids exactly as the API hands them out (lower-case
  // UUIDs); another spelling of the same id would store a message whose live push no one can
  // subscribe to. Fold it here, once, for every route.
  router.param('tradeId', (req, _res, next, value: string) => {
    req.params.tradeId = value.toLowerCase();
    next();
  });

  router.post('/trades', ...limits.open, async (req, res) => {
    res.status(201).json(await trades.open(actorOf(res), openTradeBody.parse(req.body)));
  });

  router.get('/trades', async (req, res) => {
    const { limit } = tradeListQuery.parse(req.query);
    const actor = actorOf(res);
    res.json(await reads.withReads(actor, await trades.listMine(actor, limit ?? 100)));
  });

  router.get('/trades/:tradeId', async (req, res) => {
    const actor = actorOf(res);
    const [trade] = await reads.withReads(actor, [await trades.get(actor, req.params.tradeId)]);
    res.json(trade);
  });

  router.post('/trades/:tradeId/status', async (req, res) => {
    const { status, reason } = statusBody.parse(req.body);
    res.json(await trades.changeStatus(actorOf(res), req.params.tradeId, status, reason ?? null));
  });

  router.post('/trades/:tradeId/chat', limits.send, async (req, res) => {
    const { message, clientMessageId } = chatBody.parse(req.body);
    const sent = await chat.send(actorOf(res), String(req.params.tradeId), message, clientMessageId);
    // 200: a retry of a send already stored; the body is the stored message.
    res.status(sent.created ? 201 : 200).json(sent.message);
  });

  // 200 whether or not the seq moved: the body is the stored state, never lower than before.
  router.post('/trades/:tradeId/read', limits.read, async (req, res) => {
    const { seq } = readBody.parse(req.body);
    res.json(await reads.markRead(actorOf(res), String(req.params.tradeId), seq));
  });

  // A plain JSON array either way: the plan's client iterates the body.
  router.get('/trades/:tradeId/chat', async (req, res) => {
    res.json(await chat.list(actorOf(res), req.params.tradeId, chatQuery.parse(req.query)));
  });

  router.get('/disputes', async (req, res) => {
    const { limit } = disputeListQuery.parse(req.query);
    res.json(await trades.disputes(actorOf(res), limit ?? 100));
  });

  router.get('/trades/:tradeId/audit', async (req, res) => {
    res.json(await audit.list(actorOf(res), req.params.tradeId));
  });

  // The gateway calls it, as the admin, when a mediator subscribes to the trade's chat.
  router.post('/trades/:tradeId/audit/joins', async (req, res) => {
    await chat.join(actorOf(res), req.params.tradeId);
    res.status(204).end();
  });

  return router;
}
