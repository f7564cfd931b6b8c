// Who a chat bubble says wrote it. A mediator reads both sides, so the sides are named with their
// role, and each system message says which side it was meant for (a party sees only its own).
import type { ChatMessage } from '../src/index.js';

export function senderLabel(message: ChatMessage, userId: string | undefined, mediating: boolean): string {
  if (message.isSystemMessage) return mediating && message.recipientRole ? `System, to the ${message.recipientRole.toLowerCase()}` : 'System';
  const mine = message.senderId === userId;
  if (message.senderRole === 'MEDIATOR') return mine ? 'You, mediator' : `Mediator ${message.senderId}`;
  if (mine) return 'You';
  return message.senderRole ? `${message.senderId} (${message.senderRole.toLowerCase()})` : (message.senderId ?? '');
}
