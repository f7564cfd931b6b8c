/**
 * AMQP topic-exchange matching (`*` = exactly one word, `#` = zero or more words), so the
 * in-process bus routes exactly as RabbitMQ would for the same bindings.
 */
export function topicMatcher(pattern: string): (routingKey: string) => boolean {
  const words = pattern.split('.');
  return (routingKey) => matchWords(words, 0, routingKey.split('.'), 0);
}

function matchWords(pattern: string[], p: number, key: string[], k: number): boolean {
  if (p === pattern.length) return k === key.length;
  const word = pattern[p];
  if (word === '#') {
    return matchWords(pattern, p + 1, key, k) || (k < key.length && matchWords(pattern, p, key, k + 1));
  }
  return k < key.length && (word === '*' || word === key[k]) && matchWords(pattern, p + 1, key, k + 1);
}
