import type { AppHandler } from './app-handler.js';
import type { ApiClient } from './api-client.js';

/**
 * `SEND /app/trades/{tradeId}/read` with `{"seq": n}`: the api's `POST /p2p/trades/{tradeId}/read`
 * as the session's user, so the same rules hold (never backwards, not past the head, parties only)
 * and the receipt event goes out once, through the api's outbox. The RECEIPT follows the commit.
 */
export function readSendHandler(api: ApiClient): AppHandler {
  return {
    async handle({ tradeId, authorization, body }) {
      // An empty body gets the api's own "seq is required", not a JSON parse error.
      await api.post(`/p2p/trades/${tradeId}/read`, authorization, body ?? {});
    },
  };
}
