// The `tradesCursor` the sync route hands out: the caller's trade feed position (see
// trade-feed.ts). Opaque to clients; the prefix leaves room to change the encoding.
const PREFIX = 't1.';
const MAX_POSITION = 2_147_483_647;

export function encodeTradesCursor(position: number): string {
  return `${PREFIX}${position}`;
}

/** The position, or undefined when `cursor` is not one this server hands out. */
export function decodeTradesCursor(cursor: string): number | undefined {
  if (!cursor.startsWith(PREFIX)) return undefined;
  const digits = cursor.slice(PREFIX.length);
  if (!/^(0|[1-9]\d{0,9})$/.test(digits)) return undefined;
  const position = Number(digits);
  return position <= MAX_POSITION ? position : undefined;
}
