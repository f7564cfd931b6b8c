import { Router } from 'express';
import type { NotificationService } from '../../domain/notification-service.js';
import { actorOf } from '../authenticate.js';
import { notificationQuery } from '../validation.js';

export function notificationRoutes(notifications: NotificationService): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const q = notificationQuery.parse(req.query);
    res.json(await notifications.list(actorOf(res), { since: q.since, afterSeq: q.afterSeq, unreadOnly: q.unread, limit: q.limit }));
  });

  router.post('/notifications/:id/read', async (req, res) => {
    res.json(await notifications.markRead(actorOf(res), req.params.id));
  });

  return router;
}
