import assert from 'node:assert/strict';
import { encodeFrame } from '../../src/protocol/stomp/encoder.js';
import { headerEscaping, type HeaderEscaping } from '../../src/protocol/stomp/escape.js';
import { CLIENT_COMMANDS, SERVER_COMMANDS, type StompFrame, type StompVersion } from '../../src/protocol/stomp/frame.js';
import { StompParser } from '../../src/protocol/stomp/parser.js';

/** mulberry32: tiny, seedable, good enough to drive a fuzzer reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  int(maxExclusive: number): number {
    return Math.floor(this.#next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  bytes(length: number, alphabet?: readonly number[]): Buffer {
    return Buffer.from(Array.from({ length }, () => (alphabet ? this.pick(alphabet) : this.int(256))));
  }

  /** Cuts data into pieces of random size, including many 1-byte and empty pieces. */
  chunks(data: Buffer): Buffer[] {
    const pieces: Buffer[] = [];
    for (let pos = 0; pos < data.length; ) {
      const size = this.chance(0.3) ? this.int(2) : this.int(64);
      pieces.push(data.subarray(pos, pos + size));
      pos += size;
    }
    return pieces;
  }
}

const VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];
const COMMANDS: readonly string[] = [...CLIENT_COMMANDS, ...SERVER_COMMANDS];

// Per escaping mode, only characters the encoder can carry (it throws RangeError on the others).
const PLAIN = [...'abcxyz-_ 09é✅🚀\\\t', '__proto__', 'constructor'];
const NAME_CHARS: Record<HeaderEscaping, readonly string[]> = {
  none: PLAIN,
  '1.1': [...PLAIN, ':', '\n'],
  '1.2': [...PLAIN, ':', '\n', '\r'],
};
const VALUE_CHARS: Record<HeaderEscaping, readonly string[]> = {
  none: [...PLAIN, ':', 'Chào bạn'],
  '1.1': [...NAME_CHARS['1.1'], 'Chào bạn'],
  '1.2': [...NAME_CHARS['1.2'], 'Chào bạn'],
};

function randomText(random: Random, alphabet: readonly string[], minLength: number): string {
  let text = '';
  for (let n = minLength + random.int(12); n > 0; n--) text += random.pick(alphabet);
  return text;
}

type ParseEvent = ['frame', string, Record<string, string>, string] | ['heartbeat'] | ['error', string];

/** Returns the encoded frame and the event the parser must report for it. */
function randomFrame(random: Random, version: StompVersion): { wire: Buffer; expected: ParseEvent } {
  const command = random.pick(COMMANDS);
  const escaping = headerEscaping(command, version);
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let n = random.int(8); n > 0; n--) {
    const name = randomText(random, NAME_CHARS[escaping], 1);
    if (name !== 'content-length') headers[name] = randomText(random, VALUE_CHARS[escaping], 0);
  }
  const kind = random.pick(['none', 'text', 'bytes'] as const);
  const body = kind === 'none' ? undefined : kind === 'text' ? randomText(random, VALUE_CHARS['1.2'], 0) : random.bytes(random.int(200));
  const wire = encodeFrame({ command, headers, body }, version);
  const bodyBytes = Buffer.from(body ?? '');
  if (bodyBytes.length > 0) headers['content-length'] = String(bodyBytes.length);
  return { wire, expected: ['frame', command, headers, bodyBytes.toString('hex')] };
}

/** Replaces, inserts or deletes one byte, favouring bytes that matter to the grammar. */
function mutate(random: Random, input: Buffer): Buffer {
  const at = random.int(input.length);
  const byte = Buffer.of(random.chance(0.7) ? random.pick([0, 10, 13, 58, 92, 48, 57, 0xff]) : random.int(256));
  switch (random.pick(['replace', 'insert', 'delete'] as const)) {
    case 'replace':
      return Buffer.concat([input.subarray(0, at), byte, input.subarray(at + 1)]);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), byte, input.subarray(at)]);
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + 1)]);
  }
}

function parseEvents(chunks: readonly Buffer[], version: StompVersion, maxFrameBytes?: number, maxHeaders?: number): ParseEvent[] {
  const events: ParseEvent[] = [];
  const parser = new StompParser({
    maxFrameBytes,
    maxHeaders,
    onFrame: (f: StompFrame) => events.push(['frame', f.command, f.headers, f.body.toString('hex')]),
    onHeartbeat: () => events.push(['heartbeat']),
    onError: (err) => events.push(['error', err.code]),
  });
  parser.setVersion(version);
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('STOMP codec, randomized', () => {
  it('round-trips thousands of random frames through random chunking', () => {
    const random = new Random(0x5eed);
    for (const version of VERSIONS) {
      const wires: Buffer[] = [];
      const expected: ParseEvent[] = [];
      for (let i = 0; i < 1200; i++) {
        const frame = randomFrame(random, version);
        wires.push(frame.wire);
        expected.push(frame.expected);
        for (let n = random.int(3); n > 0; n--) {
          wires.push(Buffer.from(random.pick(['\n', '\r\n'])));
          expected.push(['heartbeat']);
        }
      }
      const actual = parseEvents(random.chunks(Buffer.concat(wires)), version);
      assert.equal(actual.length, expected.length);
      actual.forEach((event, i) => assert.deepStrictEqual(event, expected[i], `${version} event ${i}`));
    }
  });

  it('never throws and never reports anything after its single error, whatever the input and chunking', () => {
    const random = new Random(0xf022);
    const alphabet = [...Buffer.from('SENDCONNECTMESSAGEcontent-length:0123456789\\cnrt__proto__ ')].concat([0, 0, 10, 10, 10, 13, 13, 0xc3, 0xe2, 0xf0, 0x80]);
    const errorCodes = new Map<string, number>();
    let frames = 0;
    for (let i = 0; i < 4000; i++) {
      const version = random.pick(VERSIONS);
      let input: Buffer;
      if (i % 2 === 0) {
        input = random.bytes(random.int(300), random.chance(0.8) ? alphabet : undefined);
      } else {
        input = Buffer.concat(Array.from({ length: 1 + random.int(3) }, () => randomFrame(random, version).wire));
        for (let m = 1 + random.int(4); m > 0; m--) input = mutate(random, input);
      }
      const maxFrameBytes = random.chance(0.5) ? 8 + random.int(400) : undefined;
      const maxHeaders = random.chance(0.5) ? random.int(6) : undefined;

      const whole = parseEvents([input], version, maxFrameBytes, maxHeaders);
      const chunked = parseEvents(random.chunks(input), version, maxFrameBytes, maxHeaders);
      const label = `input ${i}: ${input.toString('hex')}`;
      assert.deepStrictEqual(chunked, whole, label);
      const errorAt = whole.findIndex((e) => e[0] === 'error');
      assert.ok(errorAt === -1 || errorAt === whole.length - 1, label);
      const last = whole.at(-1);
      if (last?.[0] === 'error') errorCodes.set(last[1], (errorCodes.get(last[1]) ?? 0) + 1);
      frames += whole.filter((e) => e[0] === 'frame').length;
    }
    // Guards against a generator that stops reaching some path of the parser.
    assert.ok(frames > 500, `frames=${frames}`);
    assert.deepEqual([...errorCodes.keys()].sort(), ['bad-command', 'bad-content-length', 'bad-header', 'frame-too-large', 'missing-nul', 'too-many-headers']);
  });
});
