import assert from 'node:assert/strict';
import { encodeFrame, encodeHeaderLine, encodeMessageParts, HEARTBEAT_EOL } from '../../src/protocol/stomp/encoder.js';
import { StompParser } from '../../src/protocol/stomp/parser.js';
import type { StompFrame, StompVersion } from '../../src/protocol/stomp/frame.js';

const VIETNAMESE = 'Chào bạn, giao dịch đã thanh toán ✅ 🚀';
const NASTY = 'a:b\nc\\d\re';

function parse(wire: Buffer, version: StompVersion): StompFrame[] {
  const frames: StompFrame[] = [];
  const parser = new StompParser({ onFrame: (f) => frames.push(f), onError: (err) => assert.fail(err) });
  parser.setVersion(version);
  parser.push(wire);
  return frames;
}

const text = (wire: Buffer) => wire.toString('utf8');

describe('encodeFrame', () => {
  it('writes command, headers, content-length, blank line, body and NUL', () => {
    const wire = encodeFrame({ command: 'RECEIPT', headers: { 'receipt-id': 'r-1' }, body: 'hello' }, '1.2');
    assert.equal(text(wire), 'RECEIPT\nreceipt-id:r-1\ncontent-length:5\n\nhello\0');
  });

  it('omits content-length when there is no body', () => {
    assert.equal(text(encodeFrame({ command: 'RECEIPT', headers: { 'receipt-id': '7' } }, '1.2')), 'RECEIPT\nreceipt-id:7\n\n\0');
    assert.equal(text(encodeFrame({ command: 'RECEIPT', headers: {}, body: '' }, '1.2')), 'RECEIPT\n\n\0');
  });

  it('counts content-length in UTF-8 bytes', () => {
    const wire = encodeFrame({ command: 'MESSAGE', headers: {}, body: VIETNAMESE }, '1.2');
    assert.ok(text(wire).includes(`content-length:${Buffer.byteLength(VIETNAMESE)}\n`));
    assert.notEqual(Buffer.byteLength(VIETNAMESE), VIETNAMESE.length);
    assert.ok(parse(wire, '1.2')[0]!.body.equals(Buffer.from(VIETNAMESE)));
  });

  it('keeps a correct caller content-length and overwrites a wrong one', () => {
    const right = encodeFrame({ command: 'ERROR', headers: { 'content-length': '3' }, body: 'abc' }, '1.2');
    assert.equal(text(right), 'ERROR\ncontent-length:3\n\nabc\0');
    const wrong = encodeFrame({ command: 'ERROR', headers: { 'content-length': '99' }, body: 'abc' }, '1.2');
    assert.equal(text(wrong), 'ERROR\ncontent-length:3\n\nabc\0');
    const stale = encodeFrame({ command: 'ERROR', headers: { 'content-length': '5' } }, '1.2');
    assert.equal(text(stale), 'ERROR\ncontent-length:0\n\n\0');
  });

  it('carries binary bodies with NULs intact', () => {
    const body = Buffer.from([0, 1, 0, 10, 10, 0, 255]);
    const frames = parse(encodeFrame({ command: 'MESSAGE', headers: { destination: '/a' }, body }, '1.2'), '1.2');
    assert.ok(frames[0]!.body.equals(body));
  });

  it('escapes names and values in 1.2', () => {
    const wire = encodeFrame({ command: 'MESSAGE', headers: { [NASTY]: NASTY } }, '1.2');
    assert.equal(text(wire), 'MESSAGE\na\\cb\\nc\\\\d\\re:a\\cb\\nc\\\\d\\re\n\n\0');
    assert.deepEqual({ ...parse(wire, '1.2')[0]!.headers }, { [NASTY]: NASTY });
  });

  it('escapes in 1.1 except CR, which 1.1 cannot carry', () => {
    const wire = encodeFrame({ command: 'MESSAGE', headers: { k: 'a:b\nc\\d' } }, '1.1');
    assert.equal(text(wire), 'MESSAGE\nk:a\\cb\\nc\\\\d\n\n\0');
    assert.deepEqual({ ...parse(wire, '1.1')[0]!.headers }, { k: 'a:b\nc\\d' });
    assert.throws(() => encodeFrame({ command: 'MESSAGE', headers: { k: 'a\rb' } }, '1.1'), RangeError);
  });

  it('does not escape in 1.0 and refuses what 1.0 cannot carry', () => {
    const wire = encodeFrame({ command: 'MESSAGE', headers: { k: 'a:b\\c' } }, '1.0');
    assert.equal(text(wire), 'MESSAGE\nk:a:b\\c\n\n\0');
    assert.deepEqual({ ...parse(wire, '1.0')[0]!.headers }, { k: 'a:b\\c' });
    assert.throws(() => encodeFrame({ command: 'ERROR', headers: { message: 'x\ninjected:1' } }, '1.0'), RangeError);
    assert.throws(() => encodeFrame({ command: 'ERROR', headers: { 'a:b': 'x' } }, '1.0'), RangeError);
  });

  it('never escapes CONNECTED or CONNECT, even in 1.2', () => {
    const connected = encodeFrame({ command: 'CONNECTED', headers: { version: '1.2', server: 'gw:1\\0' } }, '1.2');
    assert.equal(text(connected), 'CONNECTED\nversion:1.2\nserver:gw:1\\0\n\n\0');
    const connect = encodeFrame({ command: 'CONNECT', headers: { host: 'h:1', passcode: 'p\\c' } }, '1.2');
    assert.deepEqual({ ...parse(connect, '1.2')[0]!.headers }, { host: 'h:1', passcode: 'p\\c' });
    assert.throws(() => encodeFrame({ command: 'CONNECTED', headers: { server: 'a\nb' } }, '1.2'), RangeError);
  });

  it('rejects unknown commands and empty header names', () => {
    assert.throws(() => encodeFrame({ command: 'HELLO', headers: {} }, '1.2'), RangeError);
    assert.throws(() => encodeFrame({ command: 'MESSAGE', headers: { '': 'x' } }, '1.2'), RangeError);
  });
});

describe('HEARTBEAT_EOL', () => {
  it('is a single LF, which the parser reports as a heart-beat', () => {
    assert.equal(text(HEARTBEAT_EOL), '\n');
    let heartbeats = 0;
    const parser = new StompParser({ onFrame: () => assert.fail(), onHeartbeat: () => heartbeats++, onError: (err) => assert.fail(err) });
    parser.push(HEARTBEAT_EOL);
    assert.equal(heartbeats, 1);
  });
});

describe('encodeHeaderLine', () => {
  it('writes one escaped header line', () => {
    assert.equal(text(encodeHeaderLine('subscription', NASTY, '1.2')), 'subscription:a\\cb\\nc\\\\d\\re\n');
    assert.equal(text(encodeHeaderLine('subscription', 'sub-0', '1.0')), 'subscription:sub-0\n');
  });
});

describe('encodeMessageParts', () => {
  it('builds frames that differ only in the subscription header', () => {
    const body = Buffer.from(`${VIETNAMESE}\0\n\n`);
    for (const version of ['1.0', '1.1', '1.2'] as const) {
      const { head, tail } = encodeMessageParts('/topic/trades', 'm-1', 'application/json', body, version);
      const wire = Buffer.concat(['sub-0', 'sub-1'].flatMap((id) => [head, encodeHeaderLine('subscription', id, version), tail]));
      const frames = parse(wire, version);
      assert.deepEqual(
        frames.map((f) => ({ command: f.command, headers: { ...f.headers }, body: f.body.toString() })),
        ['sub-0', 'sub-1'].map((subscription) => ({
          command: 'MESSAGE',
          headers: {
            destination: '/topic/trades',
            'message-id': 'm-1',
            'content-type': 'application/json',
            subscription,
            'content-length': String(body.length),
          },
          body: body.toString(),
        })),
      );
    }
  });

  it('escapes the destination and omits an empty content-type', () => {
    const { head, tail } = encodeMessageParts('/topic/a:b', 'm-2', '', Buffer.alloc(0), '1.2');
    const frame = parse(Buffer.concat([head, encodeHeaderLine('subscription', 's:1', '1.2'), tail]), '1.2')[0]!;
    assert.deepEqual({ ...frame.headers }, { destination: '/topic/a:b', 'message-id': 'm-2', subscription: 's:1', 'content-length': '0' });
  });
});
