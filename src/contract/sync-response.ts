// The answer of `GET /p2p/sync` (docs/sync.md), declared once as a zod schema like the other REST
// shapes: the type is inferred, the OpenAPI document is generated from it. Clients import the type.
import { z } from 'zod';
import { chatMessageSchema, notificationSchema, tradeSchema } from './shapes.js';
import { SYNC_TRADE_ERRORS } from './sync.js';

export const syncResponseSchema = z.object({
  chat: z.record(z.string(), z.array(chatMessageSchema)).meta({
    description: 'One key per listed trade the caller may read: its messages past the cursor, ascending ([] if none).',
  }),
  notifications: z.array(notificationSchema).meta({ description: 'Past notificationsAfterSeq, in seq order.' }),
  trades: z.array(tradeSchema).meta({ description: "The caller's trades opened or changed past tradesAfter, in the order they changed." }),
  tradesCursor: z.string().meta({ description: 'Opaque: pass it back as tradesAfter.' }),
  more: z.boolean().meta({ description: 'A list hit its page limit: sync again at once.' }),
  errors: z.record(z.string(), z.object({ error: z.enum(SYNC_TRADE_ERRORS) })).meta({
    description: 'Per listed trade the caller may not read (forbidden) or that does not exist (not_found).',
  }),
  pollIntervalMs: z.number().int().positive().meta({ description: "The server's advice for the next plain poll." }),
});

export type SyncResponse = z.infer<typeof syncResponseSchema>;
