/**
 * Checks HTTP exchanges against Pinterest's official OpenAPI description (reference/pinterest-v5-openapi.json,
 * outside the repo in ../shared, read at test time) with ajv: path and query parameters, request bodies (JSON and
 * form-urlencoded), credentials per the operation's `security`, and response bodies by status (`default` → Error).
 *
 * OpenAPI 3.0 is not quite JSON Schema, so:
 * - ajv runs non-strict (the spec carries `example`, `discriminator`, `x-*`) and handles `nullable` itself;
 * - query, path and form values are strings on the wire, so those are validated with type coercion, bodies without;
 * - `discriminator` is applied by hand: the spec's subset omits the variant schemas it maps to (the OAuth request and
 *   response variants), so supplemental-schemas.ts rebuilds them from reference/pinterest-api.md §4;
 * - "strict" mode (the default) also reports properties no schema declares and query parameters the operation does
 *   not list, which catches an emulator inventing fields or a client sending misspelt ones; the spec alone allows
 *   them (and so does the emulator, like Pinterest: it ignores what it does not know).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';

import type { Exchange } from '../../emulators/pinterest/exchange-log.js';
import { SUPPLEMENTAL_SCHEMAS } from './supplemental-schemas.js';
import { undeclaredProperties, type SchemaResolver } from './undeclared-properties.js';

type Schema = Record<string, unknown>;

/** The parts of an OpenAPI document this validator reads. */
export interface OpenApiDocument {
  /** `servers[0].url` gives the path prefix (`/v5`). */
  servers?: { url: string }[];
  /** Operations by path template and method. */
  paths: Record<string, Record<string, OperationObject>>;
  /** Shared schemas and parameters. */
  components: { schemas: Record<string, Schema>; parameters?: Record<string, ParameterObject> };
}

/** An OpenAPI operation object (the fields used here). */
export interface OperationObject {
  /** e.g. `customer_lists/update`. */
  operationId: string;
  /** Parameters, inline or `$ref`. */
  parameters?: (ParameterObject | { $ref: string })[];
  /** The request body, if the operation takes one. */
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  /** Responses by status code or `default`. */
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  /** Alternative security requirements, e.g. `[{ pinterest_oauth2: ['ads:read'] }, { client_credentials: [...] }]`. */
  security?: Record<string, string[]>[];
}

/** An OpenAPI parameter object. */
export interface ParameterObject {
  /** Parameter name. */
  name: string;
  /** Where it goes; only path and query are checked. */
  in: 'path' | 'query' | 'header' | 'cookie';
  /** Must it be present? */
  required?: boolean;
  /** Its schema. */
  schema: Schema;
}

/** The exchange fields the validator reads: the emulator's Exchange, or any recording of the same shape. */
export type ExchangeLike = Pick<
  Exchange,
  'method' | 'path' | 'query' | 'requestHeaders' | 'requestBodyKind' | 'requestBody' | 'status' | 'responseHeaders' | 'responseBody'
>;

/** One way an exchange departs from the spec. */
export interface SpecViolation {
  /** Position of the exchange in the list that was checked. */
  index: number;
  /** The exchange in one line, e.g. `PATCH /v5/ad_accounts/1/customer_lists/2 → 200`. */
  exchange: string;
  /** Which half is at fault. */
  part: 'request' | 'response';
  /** What is wrong. */
  message: string;
}

/** Options of the checks. */
export interface ValidationOptions {
  /** Also report body properties no schema declares and query parameters the operation does not list (default true). */
  strict?: boolean;
}

/** A resolved operation for one request. */
export interface MatchedOperation {
  /** The operation. */
  operation: OperationObject;
  /** Its path template, e.g. `/ad_accounts/{ad_account_id}`. */
  template: string;
  /** Lower-case method key in `paths`. */
  method: string;
  /** Path parameters taken from the request path. */
  pathParams: Record<string, string>;
}

/**
 * Where the spec lives: `../shared/reference/` beside the repository (it is a shared reference, not a repository
 * file); `PINSYNC_OPENAPI_SPEC` overrides it for other layouts.
 */
export const SPEC_PATH = process.env.PINSYNC_OPENAPI_SPEC ?? fileURLToPath(new URL('../../../shared/reference/pinterest-v5-openapi.json', import.meta.url));

const SPEC_ID = 'pinterest-v5';
const SECURITY_SCHEMES: Record<string, 'bearer' | 'basic'> = { pinterest_oauth2: 'bearer', client_credentials: 'bearer', conversion_token: 'bearer', basic: 'basic' };

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the whole module object in
// the types but the function at run time, depending on the loader. Take whichever is callable.
const formatsModule = addFormatsImport as unknown as { default?: (ajv: Ajv) => Ajv };
const addFormats = (typeof formatsModule === 'function' ? formatsModule : formatsModule.default) as (ajv: Ajv) => Ajv;

export class OpenApiValidator {
  readonly #doc: OpenApiDocument;
  readonly #prefix: string;
  /** For bodies: no coercion, every error reported. */
  readonly #ajv: Ajv;
  /** For path, query and form values, which arrive as strings. */
  readonly #coercing: Ajv;
  /** Validators by schema object (spec schemas are long-lived objects) and by `$ref` for ref-only schemas. */
  readonly #byObject = { strict: new WeakMap<Schema, ValidateFunction>(), coercing: new WeakMap<Schema, ValidateFunction>() };
  readonly #byRef = new Map<string, ValidateFunction>();
  /** Parameter validators by operation and location. */
  readonly #paramValidators = new Map<string, ValidateFunction>();
  readonly #operations: { template: string; method: string; operation: OperationObject; regex: RegExp; names: string[]; literals: number }[] = [];
  readonly #resolve: SchemaResolver;

  constructor(doc: OpenApiDocument) {
    this.#doc = doc;
    this.#prefix = doc.servers?.[0] === undefined ? '' : new URL(doc.servers[0].url).pathname.replace(/\/+$/, '');
    const components = { ...doc.components, schemas: { ...SUPPLEMENTAL_SCHEMAS, ...doc.components.schemas } };
    this.#ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateFormats: true }));
    this.#coercing = addFormats(new Ajv({ strict: false, allErrors: true, coerceTypes: true }));
    for (const ajv of [this.#ajv, this.#coercing]) ajv.addSchema({ $id: SPEC_ID, components }, SPEC_ID);
    this.#resolve = (schema) => {
      let s = schema;
      for (let depth = 0; typeof s.$ref === 'string' && depth < 20; depth++) {
        const name = s.$ref.replace('#/components/schemas/', '');
        s = components.schemas[name] ?? {};
      }
      return s;
    };
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
        const names: string[] = [];
        const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
        const literals = template.split('/').filter((p) => p !== '' && !p.startsWith('{')).length;
        this.#operations.push({ template, method, operation, regex: new RegExp(`^${pattern}$`), names, literals });
      }
    }
    // More literal segments first, so `/oauth/token/revoke` never loses to a templated path of the same length.
    this.#operations.sort((a, b) => b.literals - a.literals);
  }

  /** The operation a request is aimed at, or undefined when the spec has none. */
  findOperation(method: string, path: string): MatchedOperation | undefined {
    if (!path.startsWith(this.#prefix)) return undefined;
    const rest = path.slice(this.#prefix.length) || '/';
    const m = method.toLowerCase();
    for (const op of this.#operations) {
      if (op.method !== m) continue;
      const match = op.regex.exec(rest);
      if (match === null) continue;
      const pathParams: Record<string, string> = {};
      op.names.forEach((name, i) => {
        pathParams[name] = safeDecode(match[i + 1] ?? '');
      });
      return { operation: op.operation, template: op.template, method: m, pathParams };
    }
    return undefined;
  }

  /** Every way an exchange departs from the spec, request and response. */
  exchangeViolations(exchange: ExchangeLike, index = 0, opts: ValidationOptions & { requests?: boolean; responses?: boolean } = {}): SpecViolation[] {
    const label = `${exchange.method} ${exchange.path}${exchange.query} → ${exchange.status ?? 'dropped'}`;
    const out: SpecViolation[] = [];
    const matched = this.findOperation(exchange.method, exchange.path);
    if (matched === undefined) {
      // Neither half can be checked; blame the request unless only responses are being looked at.
      const part = opts.requests === false ? 'response' : 'request';
      return [{ index, exchange: label, part, message: `no operation ${exchange.method} ${exchange.path} in the spec` }];
    }
    if (opts.requests !== false) for (const message of this.requestErrors(exchange, matched, opts)) out.push({ index, exchange: label, part: 'request', message });
    if (opts.responses !== false) for (const message of this.responseErrors(exchange, matched, opts)) out.push({ index, exchange: label, part: 'response', message });
    return out;
  }

  /** Problems with the request: credentials, path and query parameters, content type and body. */
  requestErrors(exchange: ExchangeLike, matched: MatchedOperation, opts: ValidationOptions = {}): string[] {
    const errors: string[] = [];
    const { operation } = matched;
    errors.push(...this.#securityErrors(operation, exchange.requestHeaders.authorization));

    const params = (operation.parameters ?? []).map((p) => this.#parameter(p));
    const byLocation = (where: 'path' | 'query'): ParameterObject[] => params.filter((p) => p.in === where);
    errors.push(...this.#parameterErrors(matched, 'path', byLocation('path'), matched.pathParams));
    const query: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(exchange.query)) {
      if (name in query) errors.push(`query parameter '${name}' is given more than once`);
      query[name] = value;
    }
    const known = new Set(byLocation('query').map((p) => p.name));
    if (opts.strict !== false) for (const name of Object.keys(query)) if (!known.has(name)) errors.push(`query parameter '${name}' is not in the spec`);
    errors.push(...this.#parameterErrors(matched, 'query', byLocation('query'), query));

    const body = operation.requestBody;
    if (body === undefined) {
      if (exchange.requestBodyKind !== 'none') errors.push('the operation takes no request body, but one was sent');
      return errors;
    }
    if (exchange.requestBodyKind === 'none') {
      if (body.required === true) errors.push('the request body is required');
      return errors;
    }
    const media = mediaTypeOf(exchange.requestHeaders['content-type']);
    const content = body.content[media];
    if (content === undefined) {
      errors.push(`request Content-Type '${media || '(none)'}' is not one of ${Object.keys(body.content).join(', ')}`);
      return errors;
    }
    if (exchange.requestBodyKind === 'unparsed') {
      errors.push(`the request body is not valid ${media}`);
      return errors;
    }
    // Over the emulator's maxBodyBytes: never read, so there is nothing to check beyond its content type.
    if (exchange.requestBodyKind === 'unread') return errors;
    const form = media === 'application/x-www-form-urlencoded';
    errors.push(...this.#bodyErrors(content.schema, exchange.requestBody, `request body`, { ...opts, coerce: form }));
    return errors;
  }

  /** Problems with the response: undocumented status, content type, body schema. Dropped exchanges have none. */
  responseErrors(exchange: ExchangeLike, matched: MatchedOperation, opts: ValidationOptions = {}): string[] {
    if (exchange.status === null) return [];
    const response = matched.operation.responses[String(exchange.status)] ?? matched.operation.responses.default;
    if (response === undefined) return [`status ${exchange.status} is not documented (and there is no default response)`];
    if (response.content === undefined) {
      return exchange.responseBody === undefined ? [] : [`the spec documents no body for status ${exchange.status}, but one was sent`];
    }
    const media = mediaTypeOf(exchange.responseHeaders['content-type']);
    const content = response.content[media];
    if (content === undefined) return [`response Content-Type '${media || '(none)'}' is not one of ${Object.keys(response.content).join(', ')}`];
    if (exchange.responseBody === undefined) return [`status ${exchange.status} needs a ${media} body, but none was sent`];
    return this.#bodyErrors(content.schema, exchange.responseBody, 'response body', opts);
  }

  /** Errors of `value` against a component schema, e.g. (`CustomerList`, body). Empty = valid. */
  componentErrors(name: string, value: unknown, opts: ValidationOptions = {}): string[] {
    if (this.#doc.components.schemas[name] === undefined) throw new Error(`the spec has no schema ${name}`);
    return this.#bodyErrors({ $ref: `#/components/schemas/${name}` }, value, name, opts);
  }

  /** Errors of a response body against an operation's documented response for `status`. Empty = valid. */
  responseBodyErrors(method: string, template: string, body: unknown, status = 200, opts: ValidationOptions = {}): string[] {
    const operation = this.#doc.paths[template]?.[method.toLowerCase()];
    if (operation === undefined) throw new Error(`the spec has no operation ${method} ${template}`);
    const response = operation.responses[String(status)] ?? operation.responses.default;
    const schema = response?.content?.['application/json']?.schema;
    if (schema === undefined) throw new Error(`the spec documents no JSON body for ${method} ${template} → ${status}`);
    return this.#bodyErrors(schema, body, 'response body', opts);
  }

  #bodyErrors(schema: Schema, value: unknown, what: string, opts: ValidationOptions & { coerce?: boolean }): string[] {
    // Coercion rewrites the data it validates; form fields are copied first.
    const data = opts.coerce === true && typeof value === 'object' && value !== null ? { ...(value as object) } : value;
    const schemas = [schema, ...this.#discriminated(schema, data)];
    const errors: string[] = [];
    for (const s of schemas) errors.push(...formatErrors(what, this.#validator(s, opts.coerce === true), data));
    if (opts.strict !== false) {
      for (const path of undeclaredProperties(data, schemas, this.#resolve)) errors.push(`${what}${path} is not declared by the schema`);
    }
    return [...new Set(errors)];
  }

  /** The variant schema a `discriminator` maps this value to, when the base schema has one. */
  #discriminated(schema: Schema, value: unknown): Schema[] {
    const base = this.#resolve(schema);
    const discriminator = base.discriminator as { propertyName: string; mapping?: Record<string, string> } | undefined;
    if (discriminator === undefined || typeof value !== 'object' || value === null) return [];
    const tag = (value as Record<string, unknown>)[discriminator.propertyName];
    const ref = typeof tag === 'string' ? discriminator.mapping?.[tag] : undefined;
    // A mapping to a schema neither the spec nor the supplements define cannot be checked; the base schema still is.
    if (ref === undefined || Object.keys(this.#resolve({ $ref: ref })).length === 0) return [];
    return [{ $ref: ref }];
  }

  #validator(schema: Schema, coerce: boolean): ValidateFunction {
    const refOnly = typeof schema.$ref === 'string' && Object.keys(schema).length === 1;
    const refKey = refOnly ? `${coerce ? 'c' : 's'}:${schema.$ref as string}` : undefined;
    const cache = coerce ? this.#byObject.coercing : this.#byObject.strict;
    let fn = refKey === undefined ? cache.get(schema) : this.#byRef.get(refKey);
    if (fn === undefined) {
      // Relative refs (`#/components/...`) inside the operation's inline schema resolve against the spec document.
      const rooted = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${SPEC_ID}#/components/`)) as Schema;
      fn = (coerce ? this.#coercing : this.#ajv).compile(rooted);
      if (refKey === undefined) cache.set(schema, fn);
      else this.#byRef.set(refKey, fn);
    }
    return fn;
  }

  #parameter(p: ParameterObject | { $ref: string }): ParameterObject {
    if (!('$ref' in p)) return p;
    const resolved = this.#doc.components.parameters?.[p.$ref.replace('#/components/parameters/', '')];
    if (resolved === undefined) throw new Error(`the spec has no parameter ${p.$ref}`);
    return resolved;
  }

  #parameterErrors(matched: MatchedOperation, where: 'path' | 'query', params: ParameterObject[], values: Record<string, string>): string[] {
    if (params.length === 0) return [];
    const key = `${matched.method} ${matched.template} ${where}`;
    let validate = this.#paramValidators.get(key);
    if (validate === undefined) {
      validate = this.#validator(
        {
          type: 'object',
          properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
          required: params.filter((p) => p.required === true).map((p) => p.name),
        },
        true,
      );
      this.#paramValidators.set(key, validate);
    }
    return formatErrors(`${where} parameters of ${matched.operation.operationId}`, validate, { ...values });
  }

  #securityErrors(operation: OperationObject, authorization: string | undefined): string[] {
    const requirements = operation.security ?? [];
    if (requirements.length === 0) return [];
    const accepted = new Set(requirements.flatMap((r) => Object.keys(r)).map((name) => SECURITY_SCHEMES[name] ?? 'bearer'));
    if (authorization === undefined) return [`no Authorization header (the operation needs ${[...accepted].join(' or ')} credentials)`];
    const scheme = authorization.split(/\s+/)[0]?.toLowerCase() ?? '';
    return accepted.has(scheme as 'bearer' | 'basic') ? [] : [`Authorization scheme '${scheme}' is not one of ${[...accepted].join(', ')}`];
  }
}

let shared: OpenApiValidator | undefined;

/** The validator for the shared reference spec, loaded once per test process. */
export function openApiValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator(loadOpenApiSpec());
  return shared;
}

/** Reads an OpenAPI JSON document; a clear error when the shared reference folder is missing. */
export function loadOpenApiSpec(path = SPEC_PATH): OpenApiDocument {
  if (!existsSync(path)) {
    throw new Error(`OpenAPI description not found at ${path}; check out the shared reference beside the repository or set PINSYNC_OPENAPI_SPEC`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

/** Errors of a component schema (e.g. `CustomerList`) for a value, via the shared validator. */
export function componentSchemaErrors(name: string, value: unknown, opts?: ValidationOptions): string[] {
  return openApiValidator().componentErrors(name, value, opts);
}

/** Errors of a response body for an operation (`GET`, `/ad_accounts`), via the shared validator. */
export function responseSchemaErrors(method: string, template: string, body: unknown, status = 200, opts?: ValidationOptions): string[] {
  return openApiValidator().responseBodyErrors(method, template, body, status, opts);
}

function formatErrors(what: string, validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${what}${e.instancePath} ${e.message ?? 'is invalid'}${describeParams(e)}`);
}

function describeParams(e: ErrorObject): string {
  if (e.keyword === 'enum') return ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})`;
  if (e.keyword === 'additionalProperties') return ` ('${(e.params as { additionalProperty: string }).additionalProperty}')`;
  return '';
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
