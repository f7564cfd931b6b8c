// RFC 8785 JSON Canonicalization Scheme (JCS). ECMAScript's own JSON.stringify already writes
// strings and numbers the way RFC 8785 section 3.2.2 requires (it is defined by reference to it),
// so what is left is the key order, and dropping whitespace. No dependencies: the browser bundle
// and the server hash the same bytes.

/** The canonical JSON text of a JSON value (objects, arrays, strings, finite numbers, booleans, null). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, the order RFC 8785 section 3.2.3 prescribes.
    const keys = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`JCS has no form for ${value}`);
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`JCS has no form for a ${typeof value}`);
  return text;
}
