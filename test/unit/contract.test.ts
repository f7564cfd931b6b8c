import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { SENDER_ROLES, TRADE_ROLES, TRADE_STATUSES } from '../../src/contract/trade-status.js';
import { INITIAL_STATUS, TRANSITIONS, checkTransition, statusRank } from '../../src/contract/trade-transitions.js';
import { DESTINATION_TEMPLATES, parseDestination } from '../../src/contract/destinations.js';
import { APP_DESTINATION_KINDS, APP_DESTINATION_TEMPLATES, parseAppDestination } from '../../src/contract/app-destinations.js';
import { chainLinkShape, chainSeqSchema } from '../../src/contract/chain-link.js';
import { chatMessageSchema } from '../../src/contract/shapes.js';
import { chatMessageEventSchema, tradeStatusEventSchema } from '../../src/contract/events.js';
import { transcriptRecordSchema, transcriptSchema } from '../../src/contract/transcript-shapes.js';
import { TRANSCRIPT_FORMAT } from '../../src/contract/transcript.js';

const CONTRACT_DIR = new URL('../../src/contract/', import.meta.url);

function prismaEnum(schema: string, name: string): string[] {
  const block = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(schema);
  assert.ok(block, `prisma/schema.prisma has no enum ${name}`);
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/\/\/.*/, '').trim())
    .filter(Boolean);
}

describe('the contract in code (src/contract)', () => {
  it('the Prisma enums hold exactly the status and role lists, in order', async () => {
    const schema = await readFile(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8');
    assert.deepEqual(prismaEnum(schema, 'TradeStatus'), [...TRADE_STATUSES]);
    assert.deepEqual(prismaEnum(schema, 'TradeRole'), [...TRADE_ROLES]);
    assert.deepEqual(prismaEnum(schema, 'ChatSenderRole'), [...SENDER_ROLES]);
  });

  it('every status is reachable from the initial one, and each transition goes to a higher rank', () => {
    assert.equal(statusRank(INITIAL_STATUS), 0);
    for (const status of TRADE_STATUSES) assert.ok(statusRank(status) >= 0, status);
    for (const t of TRANSITIONS) {
      assert.ok(statusRank(t.to) > statusRank(t.from), `${t.from} -> ${t.to}`);
      assert.ok(checkTransition(t.from, t.to, t.by[0]!).ok);
    }
    assert.deepEqual(checkTransition('RELEASED', 'PAID', 'BUYER'), { ok: false, reason: 'invalid' });
    assert.deepEqual(checkTransition('PENDING', 'PAID', 'SELLER'), { ok: false, reason: 'forbidden' });
  });

  it('ranks a resolved dispute above DISPUTED, though RELEASED and CANCELLED have shorter ways in too', () => {
    assert.deepEqual(
      TRADE_STATUSES.map((s) => [s, statusRank(s)]),
      [
        ['PENDING', 0],
        ['PAID', 1],
        ['RELEASED', 3],
        ['CANCELLED', 3],
        ['DISPUTED', 2],
      ],
    );
    for (const to of ['RELEASED', 'CANCELLED'] as const) {
      assert.deepEqual(checkTransition('DISPUTED', to, 'MEDIATOR').ok, true);
      assert.deepEqual(checkTransition('DISPUTED', to, 'BUYER'), { ok: false, reason: 'forbidden' }, 'a party cannot leave DISPUTED');
      assert.deepEqual(checkTransition('DISPUTED', to, 'SELLER'), { ok: false, reason: 'forbidden' });
    }
    assert.deepEqual(checkTransition('PAID', 'RELEASED', 'MEDIATOR'), { ok: false, reason: 'forbidden' });
  });

  it('the documented destination templates are destinations the parser does not confuse', () => {
    const seen = new Set<string>();
    for (const [kind, template] of Object.entries(DESTINATION_TEMPLATES)) {
      const concrete = template.replace('{tradeId}', '0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11').replace('{userId}', 'alice');
      assert.equal(parseDestination(concrete)?.kind, kind, template);
      seen.add(kind);
    }
    assert.equal(seen.size, Object.keys(DESTINATION_TEMPLATES).length);
  });

  it('every application destination kind parses from its template, and nothing near it does', () => {
    const tradeId = '0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11';
    for (const kind of APP_DESTINATION_KINDS) {
      const concrete = APP_DESTINATION_TEMPLATES[kind].replace('{tradeId}', tradeId);
      assert.deepEqual(parseAppDestination(concrete), { kind, tradeId });
      for (const near of [`${concrete}/`, `${concrete}x`, concrete.replace(tradeId, tradeId.toUpperCase()), concrete.replace(tradeId, '*')]) {
        assert.equal(parseAppDestination(near), undefined, near);
      }
    }
    assert.equal(parseAppDestination(`/app/trades/${tradeId}/other`), undefined);
    assert.equal(parseAppDestination(`/app/trades/${tradeId}/chat|read`), undefined);
  });

  it('the lists, ids, destinations, routing keys, close codes, status graph and sync query import nothing (the browser bundles them)', async () => {
    const dependencyFree = [
      'trade-status.ts',
      'ids.ts',
      'destinations.ts',
      'app-destinations.ts',
      'routing-keys.ts',
      'close-codes.ts',
      'trade-transitions.ts',
      'sync.ts',
      'page-config.ts',
      'transcript-format.ts',
    ];
    const present = await readdir(CONTRACT_DIR);
    for (const file of dependencyFree) {
      assert.ok(present.includes(file), file);
      const source = await readFile(new URL(file, CONTRACT_DIR), 'utf8');
      for (const [, from] of source.matchAll(/^\s*(?:import|export)\b[^'"]*from\s+'([^']+)'/gm)) {
        assert.match(from!, /^\.\/[a-z-]+\.js$/, `${file} imports ${from}`);
        assert.ok(dependencyFree.includes(from!.slice(2).replace(/\.js$/, '.ts')), `${file} imports ${from}, which is not dependency-free`);
      }
    }
  });

  it("a chain entry's link (chainSeq, hash) and the transcript's format are declared once: the events, the chat message and the transcript share them", () => {
    const hash = 'a'.repeat(64);
    for (const [name, shape] of [
      ['chat message', chatMessageSchema.shape],
      ['chat event', chatMessageEventSchema.shape],
      ['status event', tradeStatusEventSchema.shape],
    ] as const) {
      assert.equal(shape.chainSeq, chainLinkShape.chainSeq, name);
      assert.equal(shape.hash, chainLinkShape.hash, name);
    }
    assert.equal(chatMessageSchema.shape.hash.safeParse(hash.toUpperCase()).success, false, 'lower-case hex, as everywhere');
    assert.equal(transcriptRecordSchema.shape.chainSeq, chainSeqSchema);
    assert.equal(transcriptSchema.shape.format.value, TRANSCRIPT_FORMAT);
  });
});
