import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Database } from '../persistence/database.js';
import { databaseOutage } from '../persistence/driver-errors.js';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../contract/ids.js';
import { roleOf } from '../contract/trade-transitions.js';
import { importPublicKeys, verifyTranscript, type TranscriptKeyring } from '../contract/transcript-verify.js';
import {
  TRANSCRIPT_FORMAT,
  type ChainCheck,
  type ChatChainEntry,
  type StatusChainEntry,
  type Transcript,
  type TranscriptPublicKey,
  type TranscriptRecord,
  type TranscriptView,
} from '../contract/transcript.js';
import type { Trade } from '../contract/shapes.js';
import type { Trade as TradeRow } from '../generated/prisma/client.js';
import type { TranscriptChain } from './transcript-chain.js';
import { readChain, type ChainRow } from './transcript-rows.js';
import { forbidden, notFound } from './errors.js';
import { recordRead } from './dispute-audit.js';
import { mayMediate } from './mediation.js';
import { toTrade } from './trade-service.js';

/**
 * Serves transcripts (docs/transcript.md): a side sees every entry but those meant only for the
 * other side, which it gets as digests; an admin sees every entry once the trade has been
 * disputed, as its mediator. Each answer carries the server's own re-verification of the rows.
 */
export class TranscriptService {
  #keyring: Promise<TranscriptKeyring> | undefined;

  constructor(
    private readonly db: Database,
    private readonly chain: TranscriptChain,
    readonly publicKeys: readonly TranscriptPublicKey[],
  ) {}

  async transcript(actor: Actor, tradeId: string): Promise<Transcript> {
    // Who may read it is answered first: reading the chain may sign a backlog, a write.
    const row = await this.row(tradeId);
    const view = viewOf(actor, row);
    const { trade, rows } = await this.snapshot(tradeId, row);
    const full = document(trade, 'MEDIATOR', rows);
    const check = await this.verify(full, rows);
    if (view === 'MEDIATOR') {
      // Every message, so written to the audit trail before it is answered, as a chat page is.
      await recordRead(this.db.prisma, tradeId, actor.userId, chatEntries(rows));
      return { ...full, check };
    }
    const records = full.entries.map((record, i) => (rows[i]!.recipientRole && rows[i]!.recipientRole !== view ? { ...record, entry: null } : record));
    return { ...full, view, entries: records, check };
  }

  /** Admins only: re-verifies the stored chain and names its first break. */
  async check(actor: Actor, tradeId: string): Promise<ChainCheck> {
    if (!actor.isAdmin) throw forbidden('only an admin may check a transcript');
    const { trade, rows } = await this.snapshot(tradeId, await this.row(tradeId));
    return this.verify(document(trade, 'MEDIATOR', rows), rows);
  }

  /** Signs what the migration chained, trade by trade; run at start-up by the roles that write. */
  async signBacklogs(): Promise<number> {
    const pending = await this.db.prisma.$queryRaw<{ tradeId: string }[]>`
      SELECT DISTINCT trade_id::text AS "tradeId" FROM trade_chain_entries WHERE hash IS NULL`;
    for (const { tradeId } of pending) await this.signBacklog(tradeId);
    return pending.length;
  }

  /**
   * signBacklogs() at start-up. Resolves after the first attempt, so the backlogs are signed
   * before the role serves a request whenever the database answers; any error but the database
   * being unavailable still fails the start. While it is unavailable (not there yet, or busy) the
   * role must still start and listen through the outage, so `retrying` tries again every
   * `retryMs`, quietly (the outbox relay logs the outage); until then a write to, or a transcript
   * of, such a trade signs its own backlog. `retrying` settles once signed, on another error
   * (logged), or when `signal` aborts.
   */
  async startSigningBacklogs(logger: Logger, signal: AbortSignal, retryMs = 1_000): Promise<{ retrying: Promise<void> }> {
    const signed = (trades: number) => trades > 0 && logger.info({ trades }, 'signed the transcript backlogs the migration chained');
    try {
      signed(await this.signBacklogs());
      return { retrying: Promise.resolve() };
    } catch (err) {
      if (databaseOutage(err) === undefined) throw err;
    }
    const retrying = async () => {
      while (!signal.aborted) {
        await sleep(retryMs, undefined, { signal }).catch(() => {});
        if (signal.aborted) return;
        try {
          return void signed(await this.signBacklogs());
        } catch (err) {
          if (databaseOutage(err) === undefined) {
            logger.error({ err }, 'signing the transcript backlogs failed; each trade signs its own on its next write or transcript');
            return;
          }
        }
      }
    };
    return { retrying: retrying() };
  }

  private async signBacklog(tradeId: string): Promise<void> {
    await this.db.prisma.$transaction(async (tx) => {
      // The row lock every chat send and status change of the trade takes: no entry is added meanwhile.
      await tx.$queryRaw`SELECT id FROM trades WHERE id = ${tradeId}::uuid FOR UPDATE`;
      await this.chain.signBacklog(tx, tradeId);
    });
  }

  /**
   * The chain and the trade as of one moment. They are two reads, so a status change committed
   * between them would serve a trade whose status is not its chain's last: a check that fails and a
   * file that never verifies. A status never comes back, so when the two agree nothing changed in
   * between; otherwise the older of the two is read again. A disagreement that persists (a status
   * edited in the database) is served as it is, and the check names it.
   */
  private async snapshot(tradeId: string, row: TradeRow): Promise<{ trade: Trade; rows: ChainRow[] }> {
    let rows = await this.signedChain(tradeId);
    for (let reread = 0; reread < MAX_REREADS && lastStatus(rows) !== row.status; reread++) {
      if (reread % 2 === 0) row = await this.row(tradeId);
      else rows = await this.signedChain(tradeId);
    }
    return { trade: toTrade(row), rows };
  }

  private async signedChain(tradeId: string): Promise<ChainRow[]> {
    const rows = await this.db.reads.run(() => readChain(this.db.prisma, tradeId));
    if (!rows.some((row) => row.hash === null)) return rows;
    await this.signBacklog(tradeId);
    return readChain(this.db.prisma, tradeId);
  }

  private async verify(full: Omit<Transcript, 'check'>, rows: ChainRow[]): Promise<ChainCheck> {
    const gone = rows.find((row) => row.entry === null);
    if (gone) return { valid: false, firstBreak: { chainSeq: gone.chainSeq, reason: 'the chat message of this entry is gone' } };
    return verifyTranscript(full, await this.keyring());
  }

  private keyring(): Promise<TranscriptKeyring> {
    // A failed import is not kept: the next request tries again.
    this.#keyring ??= importPublicKeys(this.publicKeys.map((k) => k.publicKeyPem)).catch((err: unknown) => {
      this.#keyring = undefined;
      throw err;
    });
    return this.#keyring;
  }

  private async row(tradeId: string): Promise<TradeRow> {
    const row = isUuid(tradeId) ? await this.db.reads.run(() => this.db.prisma.trade.findUnique({ where: { id: tradeId } })) : null;
    if (!row) throw notFound(`trade ${tradeId} not found`);
    return row;
  }
}

/**
 * A trade changes status at most three times after its opening (PENDING, PAID, DISPUTED, then
 * RELEASED or CANCELLED), so this many rereads outlast any race; a disagreement left is an edit.
 */
const MAX_REREADS = 4;

function lastStatus(rows: ChainRow[]): string | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const entry = rows[i]!.entry;
    if (entry?.kind === 'status') return entry.to;
  }
  return undefined;
}

function chatEntries(rows: ChainRow[]): ChatChainEntry[] {
  return rows.flatMap((row) => (row.entry?.kind === 'chat' ? [row.entry] : []));
}

/** A side's view for a party; the mediator's for an admin who may mediate (as for its chat). */
function viewOf(actor: Actor, row: TradeRow): TranscriptView {
  const role = roleOf(row, actor.userId);
  if (role) return role;
  if (actor.isAdmin && mayMediate(row)) return 'MEDIATOR';
  throw forbidden(actor.isAdmin ? 'an admin reads a transcript only once the trade has been disputed' : 'this trade is not yours');
}

function document(trade: Trade, view: TranscriptView, rows: ChainRow[]): Omit<Transcript, 'check'> {
  const entries: TranscriptRecord[] = rows.map((row) => ({
    chainSeq: row.chainSeq,
    entry: row.entry,
    digest: row.digest!,
    hash: row.hash!,
    signature: row.signature!,
    kid: row.kid!,
  }));
  const statusTimeline = rows.flatMap((row) => (row.entry?.kind === 'status' ? [row.entry as StatusChainEntry] : []));
  return { format: TRANSCRIPT_FORMAT, trade, view, statusTimeline, entries };
}
