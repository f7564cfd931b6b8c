import type { Prisma } from '../generated/prisma/client.js';
import type { SenderRole, TradeRole, TradeStatus } from '../contract/trade-status.js';
import { chatChainEntry, type ChainEntry } from '../contract/transcript.js';

/** A stored chain entry with its content as the chain hashes it. */
export interface ChainRow {
  chainSeq: number;
  /** null when a chat entry's message row is gone (no verifier accepts that). */
  entry: ChainEntry | null;
  /** A chat entry meant for one side only (the other side sees its digest). */
  recipientRole: TradeRole | null;
  /** null until signed (entries the migration chained, before the api's start-up signs them). */
  digest: string | null;
  hash: string | null;
  signature: string | null;
  kid: string | null;
}

interface Row {
  chainSeq: number;
  kind: 'chat' | 'status';
  from: TradeStatus | null;
  to: TradeStatus | null;
  actorId: string | null;
  actorRole: SenderRole | null;
  reason: string | null;
  statusAt: Date | null;
  digest: string | null;
  hash: string | null;
  signature: string | null;
  kid: string | null;
  chatId: string | null;
  seq: number | null;
  senderId: string | null;
  senderRole: SenderRole | null;
  recipientRole: TradeRole | null;
  isSystemMessage: boolean | null;
  message: string | null;
  chatAt: Date | null;
}

/** A trade's chain in chain_seq order, each entry rebuilt from the rows as they are now. */
export async function readChain(q: Pick<Prisma.TransactionClient, '$queryRaw'>, tradeId: string): Promise<ChainRow[]> {
  const rows = await q.$queryRaw<Row[]>`
    SELECT e.chain_seq AS "chainSeq", e.kind, e.from_status::text AS "from", e.to_status::text AS "to", e.actor_id AS "actorId",
           e.actor_role AS "actorRole", e.reason, e.timestamp AS "statusAt",
           encode(e.digest, 'hex') AS digest, encode(e.hash, 'hex') AS hash, encode(e.signature, 'hex') AS signature, e.kid,
           c.id AS "chatId", c.seq, c.sender_id AS "senderId", c.sender_role::text AS "senderRole", c.recipient_role::text AS "recipientRole",
           c.is_system_message AS "isSystemMessage", c.message, c.timestamp AS "chatAt"
    FROM trade_chain_entries e LEFT JOIN trade_chat_messages c ON c.id = e.chat_id
    WHERE e.trade_id = ${tradeId}::uuid
    ORDER BY e.chain_seq`;
  return rows.map((row) => ({
    chainSeq: row.chainSeq,
    entry: entryOf(tradeId, row),
    recipientRole: row.recipientRole,
    digest: row.digest,
    hash: row.hash,
    signature: row.signature,
    kid: row.kid,
  }));
}

function entryOf(tradeId: string, row: Row): ChainEntry | null {
  const { chainSeq } = row;
  if (row.kind === 'status') {
    const { from, to, actorId, actorRole, reason } = row;
    return { kind: 'status', tradeId, chainSeq, from, to: to!, actorId, actorRole, reason, timestamp: row.statusAt!.toISOString() };
  }
  if (row.chatId === null) return null;
  const { seq, senderId, senderRole, recipientRole, isSystemMessage, message } = row;
  return chatChainEntry(
    {
      tradeId,
      id: row.chatId,
      seq: seq!,
      senderId,
      senderRole,
      recipientRole,
      isSystemMessage: isSystemMessage!,
      message: message!,
      timestamp: row.chatAt!.toISOString(),
    },
    chainSeq,
  );
}
