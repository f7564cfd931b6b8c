import assert from 'node:assert/strict';
import { HeadCache } from '../../src/sync/head-cache.js';

/** A read as the sync service makes it: ticket, then (later) fill and release. */
function startRead(cache: HeadCache, key: string) {
  const ticket = cache.ticket(key);
  return (head: number) => {
    cache.fill(key, head, ticket);
    cache.release(key);
  };
}

describe('the sync head cache', () => {
  let cache: HeadCache;
  beforeEach(() => {
    cache = new HeadCache(100);
    cache.setTrusted(true);
  });

  it('vouches for nothing while untrusted, and forgets everything when trust changes', () => {
    startRead(cache, 'k')(5);
    assert.equal(cache.head('k'), 5);
    cache.setTrusted(false);
    assert.equal(cache.head('k'), undefined);
    startRead(cache, 'k')(5);
    assert.equal(cache.head('k'), undefined, 'an untrusted cache is not filled');
    cache.setTrusted(true);
    assert.equal(cache.head('k'), undefined, 'a new epoch starts empty');
  });

  it('keeps the higher of a read and an event that raced it', () => {
    const fill = startRead(cache, 'k');
    cache.raise('k', 4); // committed after the read's snapshot
    fill(3);
    assert.equal(cache.head('k'), 4);
    cache.raise('k', 2); // a late, older event
    assert.equal(cache.head('k'), 4);
  });

  it('does not keep heads of keys nobody reads', () => {
    cache.raise('k', 7);
    assert.equal(cache.head('k'), undefined);
  });

  it('lets no read fill that raced an invalidation, and the next read fills', () => {
    const earlier = startRead(cache, 'k');
    cache.invalidate('k');
    earlier(3);
    assert.equal(cache.head('k'), undefined);
    startRead(cache, 'k')(4);
    assert.equal(cache.head('k'), 4);
    cache.invalidate('k');
    assert.equal(cache.head('k'), undefined);
  });

  it('lets no read that began before a change of trust fill the new epoch', () => {
    const earlier = startRead(cache, 'k');
    cache.setTrusted(false);
    cache.setTrusted(true);
    earlier(3);
    assert.equal(cache.head('k'), undefined);
  });

  it('starts over when full, and a read from before cannot fill', () => {
    const small = new HeadCache(2);
    small.setTrusted(true);
    const late = startRead(small, 'c');
    startRead(small, 'a')(1);
    startRead(small, 'b')(1);
    startRead(small, 'd')(1); // the third entry: the cache starts over with it alone
    assert.deepEqual(
      ['a', 'b', 'd'].map((k) => small.head(k)),
      [undefined, undefined, 1],
    );
    late(1);
    assert.equal(small.head('c'), undefined);
  });

  it('tells watchers of a change of their keys or of trust, until they stop watching', () => {
    const calls: string[] = [];
    const stop = cache.watch(['a', 'b'], () => calls.push('w'));
    cache.raise('c', 1);
    assert.deepEqual(calls, []);
    cache.raise('a', 1);
    cache.invalidate('b');
    cache.setTrusted(false);
    assert.deepEqual(calls, ['w', 'w', 'w']);
    stop();
    cache.raise('a', 2);
    assert.equal(calls.length, 3);
  });
});
