import type { Prisma } from '../generated/prisma/client.js';
import type { BusEvent } from '../events/events.js';

/**
 * Records events in the same transaction as the rows they describe: if the transaction
 * commits, the events will be published (by the relay); if it rolls back, they never were.
 */
export async function addToOutbox(tx: Prisma.TransactionClient, events: BusEvent[]): Promise<void> {
  await tx.outboxEvent.createMany({
    data: events.map((e) => ({
      eventId: e.eventId,
      routingKey: e.routingKey,
      type: e.type,
      payload: e.payload as unknown as Prisma.InputJsonValue,
    })),
  });
}
