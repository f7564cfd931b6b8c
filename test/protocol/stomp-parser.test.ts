import assert from 'node:assert/strict';
import { StompParser, type StompParserOptions } from '../../src/protocol/stomp/parser.js';
import type { StompFrame, StompProtocolError } from '../../src/protocol/stomp/frame.js';

const VIETNAMESE = 'Chào bạn, giao dịch đã thanh toán ✅ 🚀';

function record(options: Partial<StompParserOptions> = {}) {
  const frames: StompFrame[] = [];
  const errors: StompProtocolError[] = [];
  let heartbeats = 0;
  const parser = new StompParser({
    ...options,
    onFrame: (frame) => frames.push(frame),
    onHeartbeat: () => heartbeats++,
    onError: (err) => errors.push(err),
  });
  return {
    parser,
    frames,
    errors,
    heartbeats: () => heartbeats,
    errorCodes: () => errors.map((e) => e.code),
  };
}

function parseOne(input: string | Buffer, options: Partial<StompParserOptions> = {}): StompFrame {
  const r = record(options);
  r.parser.push(input);
  assert.deepEqual(r.errorCodes(), []);
  assert.equal(r.frames.length, 1);
  return r.frames[0]!;
}

function errorOf(input: string | Buffer, options: Partial<StompParserOptions> & { version?: '1.0' | '1.1' | '1.2' } = {}) {
  const r = record(options);
  if (options.version) r.parser.setVersion(options.version);
  r.parser.push(input);
  assert.equal(r.errors.length, 1, 'exactly one error');
  return r.errors[0]!.code;
}

const plain = (headers: Record<string, string>) => ({ ...headers });

describe('StompParser', () => {
  it('parses a frame with LF line endings', () => {
    const frame = parseOne('SEND\ndestination:/queue/a\nreceipt:r-1\n\nhello\0');
    assert.equal(frame.command, 'SEND');
    assert.deepEqual(plain(frame.headers), { destination: '/queue/a', receipt: 'r-1' });
    assert.equal(frame.body.toString(), 'hello');
  });

  it('parses a frame with CRLF line endings', () => {
    const frame = parseOne('SEND\r\ndestination:/queue/a\r\n\r\nhello\0');
    assert.equal(frame.command, 'SEND');
    assert.deepEqual(plain(frame.headers), { destination: '/queue/a' });
    assert.equal(frame.body.toString(), 'hello');
  });

  it('accepts server commands too, leaving the choice of what to allow to the session', () => {
    assert.equal(parseOne('MESSAGE\n\n\0').command, 'MESSAGE');
  });

  for (const [label, wire] of [
    ['with content-length', `SEND\r\ndestination:/a\r\ncontent-length:${Buffer.byteLength(VIETNAMESE)}\r\n\r\n${VIETNAMESE}\0`],
    ['without content-length', `SEND\r\ndestination:/a\r\n\r\n${VIETNAMESE}\0`],
  ] as const) {
    it(`reassembles a multi-byte frame ${label} split at every byte offset`, () => {
      const bytes = Buffer.from(wire);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const r = record();
        r.parser.push(bytes.subarray(0, cut));
        r.parser.push(bytes.subarray(cut));
        assert.deepEqual(r.errorCodes(), [], `cut at ${cut}`);
        assert.equal(r.frames.length, 1, `cut at ${cut}`);
        assert.ok(r.frames[0]!.body.equals(Buffer.from(VIETNAMESE)), `cut at ${cut}`);
      }
    });
  }

  it('reassembles a frame fed one byte at a time', () => {
    const r = record();
    for (const byte of Buffer.from(`SEND\r\nx-note:${VIETNAMESE}\r\n\r\n${VIETNAMESE}\0`)) r.parser.push(Buffer.of(byte));
    assert.equal(r.frames.length, 1);
    assert.equal(r.frames[0]!.headers['x-note'], VIETNAMESE);
    assert.equal(r.frames[0]!.body.toString(), VIETNAMESE);
  });

  it('accepts strings, as SockJS delivers them', () => {
    const frame = parseOne(`SEND\ndestination:/a\n\n${VIETNAMESE}\0`);
    assert.equal(frame.body.toString(), VIETNAMESE);
  });

  it('parses coalesced frames and reports heart-beats between them', () => {
    const r = record();
    r.parser.push('\n\r\nSEND\n\none\0\nSEND\r\n\r\ntwo\0\r\n\n\nBEGIN\ntransaction:t\n\n\0');
    assert.deepEqual(
      r.frames.map((f) => [f.command, f.body.toString()]),
      [
        ['SEND', 'one'],
        ['SEND', 'two'],
        ['BEGIN', ''],
      ],
    );
    assert.equal(r.heartbeats(), 6);
  });

  it('reports heart-beats arriving alone', () => {
    const r = record();
    r.parser.push('\n');
    r.parser.push('\r');
    r.parser.push('\n');
    assert.equal(r.heartbeats(), 2);
    assert.equal(r.frames.length, 0);
  });

  it('honours content-length: NULs and blank lines inside the body', () => {
    const body = Buffer.from('a\0b\n\nc\0\r\n\0');
    const r = record();
    r.parser.push(Buffer.concat([Buffer.from(`SEND\ncontent-length:${body.length}\n\n`), body, Buffer.from('\0SEND\n\nnext\0')]));
    assert.deepEqual(r.errorCodes(), []);
    assert.equal(r.frames.length, 2);
    assert.ok(r.frames[0]!.body.equals(body));
    assert.equal(r.frames[1]!.body.toString(), 'next');
  });

  it('accepts content-length 0', () => {
    assert.equal(parseOne('SEND\ncontent-length:0\n\n\0').body.length, 0);
  });

  it('without content-length the body ends at the first NUL', () => {
    const r = record();
    r.parser.push('SEND\n\nab\0SEND\n\ncd\0');
    assert.deepEqual(
      r.frames.map((f) => f.body.toString()),
      ['ab', 'cd'],
    );
  });

  it('requires a NUL right after content-length bytes', () => {
    assert.equal(errorOf('SEND\ncontent-length:2\n\nabc\0'), 'missing-nul');
  });

  for (const bad of ['abc', '-1', '1.5', '', ' 3', '3 ', '+3', '0x3']) {
    it(`rejects content-length ${JSON.stringify(bad)}`, () => {
      assert.equal(errorOf(`SEND\ncontent-length:${bad}\n\nabc\0`), 'bad-content-length');
    });
  }

  it('rejects a content-length beyond the frame limit before any body arrives', () => {
    assert.equal(errorOf('SEND\ncontent-length:99999999999999999999999\n\n'), 'frame-too-large');
    assert.equal(errorOf('SEND\ncontent-length:65537\n\n'), 'frame-too-large');
  });

  for (const command of ['FOO', 'send', 'SEND ', '__proto__', 'constructor', 'toString', '\0']) {
    it(`rejects the command ${JSON.stringify(command)}`, () => {
      assert.equal(errorOf(`\n${command}\n\n\0`), 'bad-command');
    });
  }

  it('rejects a header line without a colon', () => {
    assert.equal(errorOf('SEND\ndestination\n\n\0'), 'bad-header');
  });

  it('rejects a header with an empty name', () => {
    assert.equal(errorOf('SEND\n:value\n\n\0'), 'bad-header');
  });

  it('splits a header at its first colon', () => {
    assert.equal(parseOne('CONNECT\nhost:example.com:15674\n\n\0').headers.host, 'example.com:15674');
  });

  it('keeps the first value of a repeated header, content-length included', () => {
    const frame = parseOne('SEND\nfoo:first\nfoo:second\ncontent-length:3\ncontent-length:1\n\nabc\0');
    assert.equal(frame.headers.foo, 'first');
    assert.equal(frame.body.toString(), 'abc');
  });

  it('treats __proto__ and constructor as ordinary header names', () => {
    const frame = parseOne('SEND\n__proto__:polluted\nconstructor:x\ntoString:y\n\n\0');
    assert.equal(Object.getPrototypeOf(frame.headers), null);
    assert.deepEqual(Object.keys(frame.headers), ['__proto__', 'constructor', 'toString']);
    assert.equal(frame.headers['__proto__'], 'polluted');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.prototype.toString.call(frame.headers), '[object Object]');
  });

  describe('header escaping', () => {
    const escaped = 'SEND\na\\cb:x\\ny\\\\z\\cw\\r\n\n\0';

    it('unescapes names and values in 1.2', () => {
      const r = record();
      r.parser.setVersion('1.2');
      r.parser.push(escaped);
      assert.deepEqual(plain(r.frames[0]!.headers), { 'a:b': 'x\ny\\z:w\r' });
    });

    it('unescapes in 1.1, tolerating the \\r that @stomp/stompjs writes', () => {
      const r = record();
      r.parser.setVersion('1.1');
      r.parser.push(escaped);
      assert.deepEqual(plain(r.frames[0]!.headers), { 'a:b': 'x\ny\\z:w\r' });
    });

    it('leaves 1.0 headers as they are', () => {
      assert.deepEqual(plain(parseOne('SEND\nk:a\\tb\\c\n\n\0').headers), { k: 'a\\tb\\c' });
    });

    it('never unescapes CONNECT or STOMP frames', () => {
      for (const command of ['CONNECT', 'STOMP']) {
        assert.deepEqual(plain(parseOne(`${command}\npasscode:p\\t\\c\n\n\0`).headers), { passcode: 'p\\t\\c' });
        const r = record();
        r.parser.setVersion('1.2');
        r.parser.push(`${command}\npasscode:p\\t\\c\n\n\0`);
        assert.deepEqual(plain(r.frames[0]!.headers), { passcode: 'p\\t\\c' });
      }
    });

    for (const version of ['1.1', '1.2'] as const) {
      for (const line of ['k:a\\tb', 'k:trailing\\', 'k\\x:v']) {
        it(`rejects the undefined escape in ${JSON.stringify(line)} for ${version}`, () => {
          assert.equal(errorOf(`SEND\n${line}\n\n\0`, { version }), 'bad-header');
        });
      }
    }

    it('applies a version set from onFrame(CONNECT) to the next frame of the same chunk', () => {
      const frames: StompFrame[] = [];
      const parser: StompParser = new StompParser({
        onFrame: (frame) => {
          frames.push(frame);
          if (frame.command === 'CONNECT') parser.setVersion('1.2');
        },
        onError: (err) => assert.fail(err),
      });
      parser.push('CONNECT\naccept-version:1.2\n\n\0SEND\nk:a\\cb\n\n\0');
      assert.equal(frames[1]!.headers.k, 'a:b');
    });
  });

  it('allows maxHeaders headers and rejects one more', () => {
    const headers = (n: number) => Array.from({ length: n }, (_, i) => `h${i}:v\n`).join('');
    assert.equal(Object.keys(parseOne(`SEND\n${headers(3)}\n\0`, { maxHeaders: 3 }).headers).length, 3);
    assert.equal(errorOf(`SEND\n${headers(4)}\n\0`, { maxHeaders: 3 }), 'too-many-headers');
    assert.equal(errorOf(`SEND\n${headers(65)}\n\0`), 'too-many-headers');
  });

  describe('frame size limit', () => {
    // The limit counts every byte before the NUL: "SEND\n\n" is 6 bytes.
    it('accepts a frame of exactly maxFrameBytes and rejects one byte more', () => {
      assert.equal(parseOne('SEND\n\nabcd\0', { maxFrameBytes: 10 }).body.toString(), 'abcd');
      assert.equal(errorOf('SEND\n\nabcde\0', { maxFrameBytes: 10 }), 'frame-too-large');
      assert.equal(parseOne('SEND\ncontent-length:1\n\na\0', { maxFrameBytes: 24 }).body.toString(), 'a');
      assert.equal(errorOf('SEND\ncontent-length:2\n\nab\0', { maxFrameBytes: 24 }), 'frame-too-large');
      assert.equal(parseOne('SEND\nk:12345\n\n\0', { maxFrameBytes: 14 }).headers.k, '12345');
      assert.equal(errorOf('SEND\nk:123456\n\n\0', { maxFrameBytes: 14 }), 'frame-too-large');
    });

    it('fails on an unfinished line as soon as its pending LF could not fit', () => {
      const r = record({ maxFrameBytes: 12 });
      r.parser.push('SEND\nk:1234');
      assert.deepEqual(r.errorCodes(), []);
      r.parser.push('5');
      assert.deepEqual(r.errorCodes(), ['frame-too-large']);
    });

    it('fails as soon as an endless body passes the limit', () => {
      const r = record();
      const chunk = Buffer.alloc(1024, 'x');
      let pushed = 0;
      r.parser.push('SEND\ndestination:/a\n\n');
      while (r.errors.length === 0 && pushed < 10 * 1024 * 1024) {
        r.parser.push(chunk);
        pushed += chunk.length;
      }
      assert.deepEqual(r.errorCodes(), ['frame-too-large']);
      assert.ok(pushed <= 65536 + chunk.length, `error after ${pushed} bytes`);
    });

    it('fails as soon as an endless header line passes the limit', () => {
      const r = record();
      r.parser.push('SEND\nx-long:');
      let pushed = 0;
      while (r.errors.length === 0 && pushed < 10 * 1024 * 1024) {
        r.parser.push('y'.repeat(1000));
        pushed += 1000;
      }
      assert.deepEqual(r.errorCodes(), ['frame-too-large']);
      assert.ok(pushed <= 65536 + 1000, `error after ${pushed} bytes`);
    });

    it('rejects a 10 MB chunk without a NUL in one go', () => {
      const r = record();
      r.parser.push(Buffer.concat([Buffer.from('SEND\n\n'), Buffer.alloc(10 * 1024 * 1024, 'x')]));
      assert.deepEqual(r.errorCodes(), ['frame-too-large']);
      assert.equal(r.frames.length, 0);
    });
  });

  it('is dead after the first error: one onError, nothing afterwards', () => {
    const r = record();
    r.parser.push('SEND\n\nok\0BOGUS\n\n\0SEND\n\nlost\0\n');
    r.parser.push('SEND\n\nlost too\0\n\n');
    assert.deepEqual(r.errorCodes(), ['bad-command']);
    assert.equal(r.errors[0]!.name, 'StompProtocolError');
    assert.equal(r.frames.length, 1);
    assert.equal(r.heartbeats(), 0);
  });

  it('lets an exception thrown by onFrame propagate', () => {
    const parser = new StompParser({
      onFrame: () => {
        throw new Error('session bug');
      },
      onError: (err) => assert.fail(err),
    });
    assert.throws(() => parser.push('SEND\n\n\0'), /session bug/);
  });

  it('rejects nonsensical limits at construction', () => {
    const callbacks = { onFrame: () => undefined, onError: () => undefined };
    assert.throws(() => new StompParser({ ...callbacks, maxFrameBytes: 0 }), RangeError);
    assert.throws(() => new StompParser({ ...callbacks, maxFrameBytes: Number.NaN }), RangeError);
    assert.throws(() => new StompParser({ ...callbacks, maxHeaders: -1 }), RangeError);
  });
});
