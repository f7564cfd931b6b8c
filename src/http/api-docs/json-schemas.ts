import { readFileSync } from 'node:fs';
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

interface ConversionOptions {
  /** Requests are described as sent (before transforms), responses as produced. */
  io: 'input' | 'output';
  /** OpenAPI 3.1 speaks 2020-12; AsyncAPI's default schema format is a superset of draft-07. */
  target: 'draft-2020-12' | 'draft-7';
  /** Where a named schema lives in the document, e.g. `#/components/schemas/<id>`. */
  uri: (id: string) => string;
}

const toJsonSchema = (schema: z.ZodType, options: ConversionOptions) =>
  // Transforms and refinements have no JSON Schema form: the schema of their input or output stands.
  z.toJSONSchema(schema, { ...options, unrepresentable: 'any' }) as JsonSchema;

/** Strips what belongs to a stand-alone schema file, not to a schema embedded in a document. */
function embedded({ $schema: _schema, $id: _id, ...rest }: JsonSchema): JsonSchema {
  return rest;
}

/** Named zod schemas as document components; a named schema used inside another becomes a `$ref`. */
export function components(named: Record<string, z.ZodType>, options: ConversionOptions): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...options, unrepresentable: 'any' }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, embedded(schema)]));
}

/** One unnamed schema, inline. */
export function inline(schema: z.ZodType, options: ConversionOptions): JsonSchema {
  return embedded(toJsonSchema(schema, options));
}

/** The package version: the documents' `info.version`. The same path from src/ and dist/. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
