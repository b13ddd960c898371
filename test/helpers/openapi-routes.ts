import { randomUUID } from 'node:crypto';

// The operations of the app's own OpenAPI document, so suites that must cover every route (auth
// negatives, documentation rules) pick up new routes without being edited.

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: { type?: string; format?: string; enum?: unknown[]; pattern?: string; minimum?: number };
}

export interface OpenApiOperation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: OpenApiParameter[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The templated path as documented, e.g. /v1/projects/{id}. */
  path: string;
  /** The path with every path parameter filled with a valid value, e.g. a random UUID. */
  url: string;
  /** `POST /v1/projects/{id}/verify`, for test names. */
  name: string;
  operation: OpenApiOperation;
}

/** Reachable without a token (contract: Authentication and roles). */
export const PUBLIC_PATHS = ['/healthz', '/readyz', '/openapi.json', '/v1/audit/jwks.json', '/v1/holidays', '/v1/webhooks/jwks.json'] as const;

export const isPublicPath = (path: string): boolean =>
  (PUBLIC_PATHS as readonly string[]).includes(path) || path === '/docs' || path.startsWith('/docs/');

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** A value the parameter's schema accepts, so a request gets past routing and path validation. */
export function sampleValue(parameter: OpenApiParameter): string {
  const s = parameter.schema ?? {};
  if (s.enum && s.enum.length > 0) return String(s.enum[0]);
  if (s.format === 'uuid' || /id$/i.test(parameter.name)) return randomUUID();
  if (s.type === 'integer' || s.type === 'number') return String(Math.max(1, s.minimum ?? 1));
  return 'X1';
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const params = new Map((operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, p]));
      const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(sampleValue(params.get(name) ?? { name, in: 'path' })));
      const upper = method.toUpperCase() as Operation['method'];
      operations.push({ method: upper, path, url, name: `${upper} ${path}`, operation });
    }
  }
  return operations;
}

export const protectedOperations = (doc: OpenApiDocument): Operation[] => operationsOf(doc).filter((o) => !isPublicPath(o.path));
export const publicOperations = (doc: OpenApiDocument): Operation[] => operationsOf(doc).filter((o) => isPublicPath(o.path));
