import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import {
  consistencyProofSchema, consistencyQuery, cosignatureBody, inclusionProofSchema, inclusionQuery, storedCosignatureSchema, witnessBody, witnessSchema,
} from './schemas.ts';
import type { Tlog } from './tlog.ts';

const PROOF_READERS = ['inspector', 'admin', 'witness'] as const;

/** The transparency log's routes (contract 2.7), registered by the audit plugin. */
export async function tlogRoutes(fastify: FastifyInstance, { tlog }: { ctx: AppContext; tlog: Tlog }): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/v1/audit/proof/inclusion', {
    config: { roles: PROOF_READERS },
    schema: {
      operationId: 'getAuditInclusionProof', tags: ['audit'], summary: 'Prove that an event is in the tree of a given size (RFC 9162 2.1.3)',
      description: 'Verify with the root of a signed checkpoint note of the same treeSize. A treeSize beyond the head is a 422.',
      querystring: inclusionQuery,
      response: { 200: inclusionProofSchema, ...errorResponses(401, 403, 422, 503) },
    },
  }, async (request) => tlog.inclusion(request.query.seq, request.query.treeSize));

  app.get('/v1/audit/proof/consistency', {
    config: { roles: PROOF_READERS },
    schema: {
      operationId: 'getAuditConsistencyProof', tags: ['audit'], summary: 'Prove that the tree of size `to` extends the tree of size `from` (RFC 9162 2.1.4)',
      description: 'Check with `npm run audit:verify -- --consistency old.txt new.txt --proof p.json`. A size beyond the head is a 422.',
      querystring: consistencyQuery,
      response: { 200: consistencyProofSchema, ...errorResponses(401, 403, 422, 503) },
    },
  }, async (request) => tlog.consistency(request.query.from, request.query.to));

  app.post('/v1/audit/witnesses', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'registerAuditWitness', tags: ['audit'], summary: 'Register a witness key that may cosign checkpoints',
      description: 'The witness then posts cosignatures with a token whose sub is its key name and whose role is witness.',
      body: witnessBody,
      response: { 201: witnessSchema, ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
    },
  }, async (request, reply) => reply.code(201).send(await tlog.registerWitness(requestMeta(request), request.body.vkey)));

  app.post('/v1/audit/checkpoint/cosignatures', {
    config: { roles: ['inspector', 'admin', 'witness'] },
    schema: {
      operationId: 'addAuditCosignature', tags: ['audit'], summary: 'Store a witness cosignature (tlog-cosignature/v1) of a checkpoint',
      description: 'Verified against the registered witness key and the checkpoint of treeSize before it is stored. An inspector (or admin) may relay any witness\'s line; a witness token only its own.',
      body: cosignatureBody,
      response: { 201: storedCosignatureSchema, ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503) },
    },
  }, async (request, reply) => reply.code(201).send(await tlog.addCosignature(requestMeta(request), request.body)));
}
