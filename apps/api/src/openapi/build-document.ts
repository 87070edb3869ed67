import { z } from 'zod';
import { ErrorBodySchema, type RouteDoc } from './route-docs.js';

type JsonSchema = Record<string, unknown>;

/**
 * An OpenAPI 3.1 document from the route docs. Schemas come from the same zod
 * schemas the routes validate with (z.toJSONSchema, JSON Schema 2020-12, which
 * OpenAPI 3.1 uses), so the docs cannot drift from what the API accepts.
 */
export function buildOpenApiDocument(routes: readonly RouteDoc[], info: { version: string }): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
    return hoistDefinitions(json, components);
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [location, schema] of [
      ['path', route.params],
      ['query', route.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema, 'input');
      const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((json.required as string[] | undefined) ?? []);
      for (const [name, property] of Object.entries(properties)) {
        parameters.push({
          name,
          in: location,
          required: location === 'path' || required.has(name),
          schema: property,
          ...(typeof property.description === 'string' ? { description: property.description } : {}),
        });
      }
    }
    for (const [name, header] of Object.entries(route.headers ?? {})) {
      parameters.push({
        name,
        in: 'header',
        required: false,
        description: header.description,
        schema: toSchema(header.schema, 'input'),
      });
    }
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      ...(route.scope
        ? { description: `Needs a token with the \`${route.scope}\` scope.`, 'x-required-scope': route.scope }
        : {}),
      tags: [route.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(route.auth === false ? { security: [] } : {}),
      responses: Object.fromEntries(
        Object.entries(withCommonAnswers(route)).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema
              ? {
                  content: {
                    [response.contentType ?? 'application/json']: { schema: toSchema(response.schema, 'output') },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(route.body, 'input') } },
      };
    }
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'd2s API',
      version: info.version,
      description:
        'Keeps Snowflake in step with Databricks: syncs (Databricks job → Parquet → COPY INTO, verified) and Unity Catalog → Snowflake Iceberg mirroring. Every error is `{"error": {"code", "message", "details"}}`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'syncs' },
      { name: 'datasets' },
      { name: 'schedules' },
      { name: 'backfills' },
      { name: 'mirror' },
      { name: 'hooks' },
      { name: 'notifications' },
      { name: 'health' },
      { name: 'metrics' },
    ],
    paths,
    components: { schemas: components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}

/** Moves zod's `$defs` (named with .meta({id})) into components and points the refs there. */
function hoistDefinitions(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const { $defs, $schema: _ignored, ...rest } = schema as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [name, definition] of Object.entries($defs ?? {}))
    components[name] = rewriteRefs(definition) as JsonSchema;
  let result = rewriteRefs(rest) as JsonSchema;
  if (typeof schema.id === 'string') {
    components[schema.id] = result;
    result = { $ref: `#/components/schemas/${schema.id}` };
  }
  return result;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string'
        ? [key, inner.replace('#/$defs/', '#/components/schemas/')]
        : [key, rewriteRefs(inner)],
    ),
  );
}

/**
 * Answers every route of a kind can give, whatever its own entry lists: 401 and 403 on authenticated
 * routes (no token; a token without the route's scope), 429 on mutating ones (the per-token rate limit).
 */
function withCommonAnswers(route: RouteDoc): RouteDoc['responses'] {
  const responses = { ...route.responses };
  if (route.auth !== false) {
    responses[401] ??= { description: 'Missing or wrong bearer token', schema: ErrorBodySchema };
    responses[403] ??= {
      description: 'INSUFFICIENT_SCOPE: the token lacks the scope this route needs',
      schema: ErrorBodySchema,
    };
    if (route.method !== 'get') {
      responses[429] ??= {
        description: 'RATE_LIMITED: too many changes from this token; wait for Retry-After seconds',
        schema: ErrorBodySchema,
      };
    }
  }
  return responses;
}
