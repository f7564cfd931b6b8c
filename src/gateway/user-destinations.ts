import { userDestinations, type UserQueue } from '../contract/destinations.js';

/**
 * Where the registry files a session's user destination: its own user's queue. No client can
 * name this key (parseDestination knows no `/user/{id}/...`), so it is reached only by resolving.
 */
export const userQueueKey = (queue: UserQueue, userId: string) => `/user/${userId}/queue/${queue}`;

const QUEUE_OF = new Map(Object.entries(userDestinations).map(([queue, destination]) => [destination as string, queue as UserQueue]));

/**
 * Where a destination, as a session names it, is filed in the registry (`key`: itself, or for a
 * user destination the user's own queue) and how MESSAGE frames name it (`header`: as subscribed,
 * the contract's own string for a user destination).
 */
export function resolveDestination(destination: string, userId: string): { key: string; header: string } {
  const queue = QUEUE_OF.get(destination);
  return queue ? { key: userQueueKey(queue, userId), header: userDestinations[queue] } : { key: destination, header: destination };
}
