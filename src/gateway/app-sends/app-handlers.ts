import type { Logger } from 'pino';
import type { TradeAccess } from '../../domain/trade-access.js';
import type { EventBus } from '../../messaging/event-bus.js';
import type { AppHandlers } from './app-handler.js';
import type { ApiClient } from './api-client.js';
import { chatSendHandler } from './chat-send.js';
import { readSendHandler } from './read-send.js';
import { typingSendHandler } from './typing-send.js';

/** What handlers may use: the api (as the user, over HTTP), the bus, trade parties, a logger. */
export interface AppHandlerDeps {
  api: ApiClient;
  bus: EventBus;
  trades: TradeAccess;
  logger: Logger;
}

/** Every application destination kind this gateway handles (docs/gateway.md, "Sending"). */
export function createAppHandlers(deps: AppHandlerDeps): AppHandlers {
  return {
    chat: chatSendHandler(deps.api),
    read: readSendHandler(deps.api),
    typing: typingSendHandler(deps),
  };
}
