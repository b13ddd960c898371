import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { addExamples } from './openapi-examples.ts';

export const OPENAPI_INFO = {
  title: 'Gerbang API',
  version: '1.0.0',
  description: [
    'Payment gate for construction disbursements: approves or blocks a payment by checking the BPJS Ketenagakerjaan (JKK + JKM) membership of every worker on the project roster, under policy perwali-palembang-3-2025.',
    '',
    '**Getting a token.** Every route but `/healthz`, `/readyz`, the holiday calendar and the public keys needs `Authorization: Bearer <access token>`: a JWT from the identity provider (`AUTH_ISSUER`) with the audience `AUTH_AUDIENCE` and the roles `finance`, `opd` (with an `opd` claim, e.g. `DPUPR`), `inspector`, `admin` or `witness`. ' +
      'In development (no `AUTH_JWKS_URL`) the service signs its own: `npm run -s token -- --role admin` (or `--role opd --opd DPUPR`, `--role finance`; `npm run -s token -- --help`). ' +
      'With Keycloak, the finance system uses client credentials (`POST <issuer>/protocol/openid-connect/token`, `grant_type=client_credentials`); see the README, "Keycloak". ' +
      'Press **Authorize**, paste the token, then "Try it out": the examples are recorded from a real run, so the identifiers in them (project, decision) exist only on that run; create your own first.',
    '',
    'Errors are `application/problem+json` with a `code`; texts are in Bahasa Indonesia unless `Accept-Language` prefers English. `POST /v1/disbursements` requires an `Idempotency-Key`.',
  ].join('\n'),
};

/** Registered before the routes, or they are missing from the document. */
export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => addExamples(jsonSchemaTransformObject(input)),
  });
  // The UI is public (contract): its routes, registered by the plugin, are marked so for the auth hook.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', uiHooks: {}, staticCSP: true });
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
}
