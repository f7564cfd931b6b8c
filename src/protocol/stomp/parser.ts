import { headerEscaping, unescapeHeaderText } from './escape.js';
import { isStompCommand, StompProtocolError, type StompErrorCode, type StompFrame, type StompVersion } from './frame.js';

export interface StompParserOptions {
  /** Limit on a frame's bytes from the first command byte up to, not including, its NUL. */
  maxFrameBytes?: number;
  maxHeaders?: number;
  onFrame(frame: StompFrame): void;
  onHeartbeat?(): void;
  onError(err: StompProtocolError): void;
}

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/** Growable byte buffer for the only data that has to outlive a chunk: a split line or an open body. */
class ByteAccumulator {
  readonly #maxCapacity: number;
  #bytes = EMPTY;
  #length = 0;

  constructor(maxCapacity: number) {
    this.#maxCapacity = maxCapacity;
  }

  get length(): number {
    return this.#length;
  }

  append(source: Buffer, start: number, end: number): void {
    const needed = this.#length + end - start;
    if (needed > this.#bytes.length) {
      // Doubling keeps a frame that dribbles in byte by byte O(n); the cap keeps memory near the limit.
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.#bytes.length * 2, this.#maxCapacity)));
      this.#bytes.copy(grown, 0, 0, this.#length);
      this.#bytes = grown;
    }
    source.copy(this.#bytes, this.#length, start, end);
    this.#length = needed;
  }

  /** Hands the bytes over and forgets them, so an idle connection holds no buffer. */
  take(): Buffer {
    const taken = this.#bytes.subarray(0, this.#length);
    this.#bytes = EMPTY;
    this.#length = 0;
    return taken;
  }
}

type Phase = 'idle' | 'command' | 'headers' | 'fixed-body' | 'nul' | 'open-body' | 'dead';

/**
 * Streaming STOMP frame parser. Chunks may split or coalesce frames at any byte. The first
 * protocol error is reported once through onError; after it all input is ignored.
 */
export class StompParser {
  readonly #maxFrameBytes: number;
  readonly #maxHeaders: number;
  readonly #onFrame: (frame: StompFrame) => void;
  readonly #onHeartbeat: (() => void) | undefined;
  readonly #onError: (err: StompProtocolError) => void;
  readonly #pending: ByteAccumulator;

  #version: StompVersion = '1.0';
  #phase: Phase = 'idle';
  /** Bytes of the current frame consumed so far (command, headers, EOLs, body). */
  #frameBytes = 0;
  #command = '';
  #headers: Record<string, string> = Object.create(null) as Record<string, string>;
  #headerCount = 0;
  #fixedBody = EMPTY;
  #fixedBodyFilled = 0;

  constructor(options: StompParserOptions) {
    this.#maxFrameBytes = options.maxFrameBytes ?? 65536;
    this.#maxHeaders = options.maxHeaders ?? 64;
    if (!Number.isSafeInteger(this.#maxFrameBytes) || this.#maxFrameBytes < 1) throw new RangeError('maxFrameBytes must be a positive integer');
    if (!Number.isSafeInteger(this.#maxHeaders) || this.#maxHeaders < 0) throw new RangeError('maxHeaders must be a non-negative integer');
    this.#onFrame = options.onFrame;
    this.#onHeartbeat = options.onHeartbeat;
    this.#onError = options.onError;
    this.#pending = new ByteAccumulator(this.#maxFrameBytes);
  }

  /** Takes effect from the next header line, so calling it from onFrame(CONNECT) is exact. */
  setVersion(version: StompVersion): void {
    this.#version = version;
  }

  push(chunk: Buffer | string): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let pos = 0;
    while (pos < data.length && this.#phase !== 'dead') {
      switch (this.#phase) {
        case 'idle':
          pos = this.#skipHeartbeats(data, pos);
          break;
        case 'command':
        case 'headers':
          pos = this.#readLine(data, pos);
          break;
        case 'fixed-body':
          pos = this.#readFixedBody(data, pos);
          break;
        case 'nul':
          pos = this.#readNul(data, pos);
          break;
        case 'open-body':
          pos = this.#readOpenBody(data, pos);
          break;
      }
    }
  }

  #skipHeartbeats(data: Buffer, pos: number): number {
    for (; pos < data.length; pos++) {
      const byte = data[pos];
      if (byte === LF) {
        this.#onHeartbeat?.();
      } else if (byte !== CR) {
        this.#phase = 'command';
        return pos;
      }
    }
    return pos;
  }

  #readLine(data: Buffer, pos: number): number {
    const allowed = this.#maxFrameBytes - this.#frameBytes;
    // Searching only as far as the limit bounds the work on a line that never ends.
    const lf = data.subarray(pos, pos + allowed).indexOf(LF);
    if (lf === -1) {
      // The line still needs its LF, so reaching `allowed` already breaks the limit.
      if (data.length - pos >= allowed) {
        this.#failTooLarge();
        return pos;
      }
      this.#pending.append(data, pos, data.length);
      this.#frameBytes += data.length - pos;
      return data.length;
    }
    const end = pos + lf;
    this.#frameBytes += lf + 1;
    let line: string;
    if (this.#pending.length === 0) {
      line = data.toString('utf8', pos, end);
    } else {
      this.#pending.append(data, pos, end);
      line = this.#pending.take().toString('utf8');
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.#onLine(line);
    return end + 1;
  }

  #onLine(line: string): void {
    if (this.#phase === 'command') {
      if (!isStompCommand(line)) return this.#fail('bad-command', `unknown command ${JSON.stringify(line.slice(0, 32))}`);
      this.#command = line;
      this.#phase = 'headers';
    } else if (line === '') {
      this.#startBody();
    } else {
      this.#addHeader(line);
    }
  }

  #addHeader(line: string): void {
    const colon = line.indexOf(':');
    if (colon < 1) return this.#fail('bad-header', 'header line has no colon or an empty name');
    if (++this.#headerCount > this.#maxHeaders) return this.#fail('too-many-headers', `more than ${this.#maxHeaders} headers`);
    let name: string | undefined = line.slice(0, colon);
    let value: string | undefined = line.slice(colon + 1);
    if (headerEscaping(this.#command, this.#version) !== 'none') {
      name = unescapeHeaderText(name);
      value = unescapeHeaderText(value);
      if (name === undefined || value === undefined) return this.#fail('bad-header', 'undefined escape sequence in header');
    }
    if (!(name in this.#headers)) this.#headers[name] = value;
  }

  #startBody(): void {
    const declared = this.#headers['content-length'];
    if (declared === undefined) {
      this.#phase = 'open-body';
      return;
    }
    if (!/^[0-9]+$/.test(declared)) return this.#fail('bad-content-length', `invalid content-length ${JSON.stringify(declared.slice(0, 32))}`);
    const length = Number(declared);
    if (this.#frameBytes + length > this.#maxFrameBytes) return this.#failTooLarge();
    this.#fixedBody = Buffer.allocUnsafe(length);
    this.#fixedBodyFilled = 0;
    this.#phase = length === 0 ? 'nul' : 'fixed-body';
  }

  #readFixedBody(data: Buffer, pos: number): number {
    const count = Math.min(this.#fixedBody.length - this.#fixedBodyFilled, data.length - pos);
    data.copy(this.#fixedBody, this.#fixedBodyFilled, pos, pos + count);
    this.#fixedBodyFilled += count;
    if (this.#fixedBodyFilled === this.#fixedBody.length) this.#phase = 'nul';
    return pos + count;
  }

  #readNul(data: Buffer, pos: number): number {
    if (data[pos] !== NUL) {
      this.#fail('missing-nul', 'no NUL after content-length bytes');
      return pos;
    }
    const body = this.#fixedBody;
    this.#fixedBody = EMPTY;
    this.#emit(body);
    return pos + 1;
  }

  #readOpenBody(data: Buffer, pos: number): number {
    const allowed = this.#maxFrameBytes - this.#frameBytes;
    // One byte past `allowed` so that a NUL sitting exactly at the limit is still found.
    const nul = data.subarray(pos, pos + allowed + 1).indexOf(NUL);
    if (nul === -1) {
      if (data.length - pos > allowed) {
        this.#failTooLarge();
        return pos;
      }
      this.#pending.append(data, pos, data.length);
      this.#frameBytes += data.length - pos;
      return data.length;
    }
    this.#pending.append(data, pos, pos + nul);
    this.#emit(this.#pending.take());
    return pos + nul + 1;
  }

  #emit(body: Buffer): void {
    const frame: StompFrame = { command: this.#command, headers: this.#headers, body };
    this.#phase = 'idle';
    this.#frameBytes = 0;
    this.#command = '';
    this.#headers = Object.create(null) as Record<string, string>;
    this.#headerCount = 0;
    this.#onFrame(frame);
  }

  #fail(code: StompErrorCode, message: string): void {
    this.#phase = 'dead';
    this.#pending.take();
    this.#fixedBody = EMPTY;
    this.#onError(new StompProtocolError(code, message));
  }

  #failTooLarge(): void {
    this.#fail('frame-too-large', `frame exceeds ${this.#maxFrameBytes} bytes`);
  }
}
