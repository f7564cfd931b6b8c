import assert from 'node:assert/strict';
import { topicMatcher } from '../../src/messaging/topic-pattern.js';

describe('topic pattern (AMQP topic exchange semantics)', () => {
  const cases: [string, string, boolean][] = [
    ['chat.message', 'chat.message', true],
    ['chat.message', 'chat.system', false],
    ['chat.*', 'chat.system', true],
    ['chat.*', 'chat', false],
    ['chat.*', 'chat.a.b', false],
    ['chat.#', 'chat', true],
    ['chat.#', 'chat.a.b', true],
    ['#', 'trade.events.status', true],
    ['#.status', 'trade.events.status', true],
    ['#.status', 'status', true],
    ['trade.#.status', 'trade.status', true],
    ['trade.#.status', 'trade.x.y.status', true],
    ['*.events.*', 'trade.events.status', true],
    ['*.events.*', 'events.status', false],
  ];
  for (const [pattern, key, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${key}`, () => {
      assert.equal(topicMatcher(pattern)(key), expected);
    });
  }
});
