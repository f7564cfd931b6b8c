// The trade status and role lists (docs/contract.md). Everything else derives from these: the
// zod schemas, the TypeScript types, the Prisma enums (checked by a test) and the browser client.
// No dependencies, so the browser bundle can import it.

export const TRADE_STATUSES = ['PENDING', 'PAID', 'RELEASED', 'CANCELLED', 'DISPUTED'] as const;
export type TradeStatus = (typeof TRADE_STATUSES)[number];

/** A user's side of a trade; also which side a system message is meant for. */
export const TRADE_ROLES = ['BUYER', 'SELLER'] as const;
export type TradeRole = (typeof TRADE_ROLES)[number];

/** Who wrote a chat message: a side, or an admin mediating a disputed trade. */
export const SENDER_ROLES = [...TRADE_ROLES, 'MEDIATOR'] as const;
export type SenderRole = (typeof SENDER_ROLES)[number];

/** The JWT `roles` claim values the system knows. */
export const USER_ROLES = ['ADMIN'] as const;
export type UserRole = (typeof USER_ROLES)[number];
