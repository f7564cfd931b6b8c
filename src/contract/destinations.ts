// The STOMP destinations of SPEC.md, shared by the gateway (routing, authorization) and the
// browser client (subscriptions). No dependencies.
export const destinations = {
  allTrades: '/topic/trades',
  trade: (tradeId: string) => `/topic/trades/${tradeId}`,
  tradeChat: (tradeId: string) => `/topic/trades/${tradeId}/chat`,
  userTrades: (userId: string) => `/topic/users/${userId}/trades`,
  userNotifications: (userId: string) => `/topic/users/${userId}/notifications`,
};
