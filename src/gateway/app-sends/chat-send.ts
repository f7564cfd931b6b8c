import type { AppHandler } from './app-handler.js';
import type { ApiClient } from './api-client.js';

/**
 * `SEND /app/trades/{tradeId}/chat`: the api's `POST /p2p/trades/{tradeId}/chat` as the session's
 * user, so the same validation, rate limit, storage, outbox and events apply. The api answers
 * after its commit, so the receipt follows the commit.
 */
export function chatSendHandler(api: ApiClient): AppHandler {
  return {
    async handle({ tradeId, authorization, body }) {
      // An empty body gets the api's own "message is required", not a JSON parse error.
      await api.post(`/p2p/trades/${tradeId}/chat`, authorization, body ?? {});
    },
  };
}
