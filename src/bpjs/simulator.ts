// A stand-in for the BPJS upstream (development, demos, tests): serves both calls from a data file
// and misbehaves on request (latency, errors, hangs, malformed, oversized, 429), by rates or by a
// script of outcomes for the next calls. It speaks the wire shape in wire.ts.
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  PARTICIPANTS_PATH, PROJECTS_PATH, participantSchema, participantsRequestSchema, projectSchema, projectsRequestSchema,
  type UpstreamParticipant, type UpstreamProject,
} from './wire.ts';

export const SIMULATED_OUTCOMES = ['ok', 'error', 'timeout', 'malformed', 'garbage', 'oversized', 'rate-limit'] as const;
export type SimulatedOutcome = (typeof SIMULATED_OUTCOMES)[number];

const rate = z.number().min(0).max(1);
export const knobsSchema = z.strictObject({
  /** Delay before every answer, in ms. */
  latencyMs: z.number().int().min(0).max(600_000),
  /** Share of calls answered 503. */
  errorRate: rate,
  /** Share of calls never answered (the connection stays open). */
  timeoutRate: rate,
  /** Share of calls answered 200 with a body that breaks the schema. */
  malformedRate: rate,
  /** Share of calls answered 200 with a body of `oversizedBytes`, streamed without a length. */
  oversizedRate: rate,
  oversizedBytes: z.number().int().min(1).max(64 * 1024 * 1024),
  /** Share of calls answered 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitRate: rate,
  retryAfterSeconds: z.number().int().min(0).max(3600),
  /** Share of asked entries left out of an otherwise good answer. */
  omitRate: rate,
  /** Outcomes for the next calls, used up first; then the rates apply. */
  script: z.array(z.enum(SIMULATED_OUTCOMES)).max(1000),
  /**
   * The form of found participants (contract 2.2): `stored` as the data holds them, `list` always
   * with `memberships: [...]`, `flat` with the coverage at the top level (a person holding several
   * coverages stays in the list form: the flat form cannot say it).
   */
  participantForm: z.enum(['stored', 'list', 'flat']),
});
export type SimulatorKnobs = z.infer<typeof knobsSchema>;

export const DEFAULT_KNOBS: SimulatorKnobs = {
  latencyMs: 0, errorRate: 0, timeoutRate: 0, malformedRate: 0, oversizedRate: 0, oversizedBytes: 2 * 1024 * 1024,
  rateLimitRate: 0, retryAfterSeconds: 1, omitRate: 0, script: [], participantForm: 'stored',
};

export const simulatorDataSchema = z.object({
  participants: z.array(participantSchema).default([]),
  projects: z.array(projectSchema).default([]),
});
export type SimulatorData = z.infer<typeof simulatorDataSchema>;

export interface SimulatorStats {
  calls: { participants: number; projects: number };
  /** Entries asked per call, in arrival order. */
  batchSizes: number[];
  unauthorized: number;
  inFlight: number;
  maxInFlight: number;
}

export interface SimulatorControl {
  readonly stats: SimulatorStats;
  readonly knobs: SimulatorKnobs;
  setKnobs(knobs: Partial<SimulatorKnobs>): void;
  /** Adds or replaces records, as when BPJS's own data changes. */
  putData(data: Partial<SimulatorData>): void;
  resetStats(): void;
}

export interface SimulatorOptions {
  data: SimulatorData;
  apiKey: string;
  knobs?: Partial<SimulatorKnobs>;
  random?: () => number;
  logger?: boolean;
}

export type Simulator = FastifyInstance & { simulator: SimulatorControl };

const freshStats = (): SimulatorStats => ({ calls: { participants: 0, projects: 0 }, batchSizes: [], unauthorized: 0, inFlight: 0, maxInFlight: 0 });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A valid-looking JSON answer padded past `bytes`, streamed in chunks without a Content-Length. */
function oversizedBody(bytes: number): Readable {
  const chunk = 'x'.repeat(64 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) this.push('{"results":[],"padding":"');
      if (sent >= bytes) {
        this.push('"}');
        this.push(null);
        return;
      }
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** A participant in the form asked for (see `participantForm`). */
export function inForm(p: UpstreamParticipant, form: SimulatorKnobs['participantForm']): UpstreamParticipant {
  if (!p.found || form === 'stored') return p;
  if ('memberships' in p) {
    const [only, ...more] = p.memberships;
    return form === 'flat' && only !== undefined && more.length === 0 ? { nik: p.nik, found: true, name: p.name, ...only } : p;
  }
  if (form === 'flat') return p;
  const { nik, found, name, ...coverage } = p;
  return { nik, found, name, memberships: [coverage] };
}

export function buildSimulator(options: SimulatorOptions): Simulator {
  const random = options.random ?? Math.random;
  const participants = new Map<string, UpstreamParticipant>(options.data.participants.map((p) => [p.nik, p]));
  const projects = new Map<string, UpstreamProject>(options.data.projects.map((p) => [p.projectNumber, p]));
  let knobs: SimulatorKnobs = knobsSchema.parse({ ...DEFAULT_KNOBS, ...options.knobs });
  let stats = freshStats();

  const control: SimulatorControl = {
    get stats() {
      return stats;
    },
    get knobs() {
      return knobs;
    },
    setKnobs(partial) {
      knobs = knobsSchema.parse({ ...knobs, ...partial });
    },
    putData(data) {
      for (const p of data.participants ?? []) participants.set(p.nik, p);
      for (const p of data.projects ?? []) projects.set(p.projectNumber, p);
    },
    resetStats() {
      stats = { ...freshStats(), inFlight: stats.inFlight };
    },
  };

  // forceCloseConnections: close() must not wait for the calls we deliberately never answer.
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true, bodyLimit: 64 * 1024 });
  app.decorate('simulator', control);

  const authorised = (request: FastifyRequest) => request.headers.authorization === `Bearer ${options.apiKey}`;

  function nextOutcome(): SimulatedOutcome {
    const scripted = knobs.script[0];
    if (scripted) {
      knobs = { ...knobs, script: knobs.script.slice(1) };
      return scripted;
    }
    const draws: Array<[number, SimulatedOutcome]> = [
      [knobs.timeoutRate, 'timeout'], [knobs.errorRate, 'error'], [knobs.rateLimitRate, 'rate-limit'],
      [knobs.malformedRate, 'malformed'], [knobs.oversizedRate, 'oversized'],
    ];
    for (const [share, outcome] of draws) if (share > 0 && random() < share) return outcome;
    return 'ok';
  }

  async function answer<T>(
    request: FastifyRequest, reply: FastifyReply, endpoint: 'participants' | 'projects',
    keys: string[] | undefined, lookup: (key: string) => T,
  ) {
    stats.calls[endpoint]++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    reply.raw.once('close', () => void stats.inFlight--);
    if (!authorised(request)) {
      stats.unauthorized++;
      return reply.code(401).send({ error: 'unauthorized' });
    }
    if (!keys) return reply.code(400).send({ error: 'bad request' });
    stats.batchSizes.push(keys.length);
    const outcome = nextOutcome();
    if (outcome === 'timeout') {
      reply.hijack(); // never answered; the client gives up, or close() drops the connection
      return reply;
    }
    if (knobs.latencyMs > 0) await sleep(knobs.latencyMs);
    switch (outcome) {
      case 'error':
        return reply.code(503).send({ error: 'service unavailable' });
      case 'rate-limit':
        return reply.code(429).header('retry-after', String(knobs.retryAfterSeconds)).send({ error: 'too many requests' });
      case 'malformed':
        return reply.code(200).send({ results: keys.map((key) => ({ key, found: 'perhaps' })) });
      case 'garbage':
        return reply.code(200).type('application/json').send('{"results": [');
      case 'oversized':
        return reply.code(200).type('application/json').send(oversizedBody(knobs.oversizedBytes));
      case 'ok': {
        const kept = knobs.omitRate > 0 ? keys.filter(() => random() >= knobs.omitRate) : keys;
        return reply.code(200).send({ results: kept.map(lookup) });
      }
    }
  }

  app.post(PARTICIPANTS_PATH, async (request, reply) => {
    const body = participantsRequestSchema.safeParse(request.body);
    return answer(request, reply, 'participants', body.success ? body.data.niks : undefined,
      (nik) => inForm(participants.get(nik) ?? { nik, found: false as const }, knobs.participantForm));
  });

  app.post(PROJECTS_PATH, async (request, reply) => {
    const body = projectsRequestSchema.safeParse(request.body);
    return answer(request, reply, 'projects', body.success ? body.data.projectNumbers : undefined,
      (projectNumber) => projects.get(projectNumber) ?? { projectNumber, found: false as const });
  });

  // Knobs at run time: POST /__control { errorRate: 1 } (same bearer key); GET /__stats.
  app.post('/__control', async (request, reply) => {
    if (!authorised(request)) return reply.code(401).send({ error: 'unauthorized' });
    const body = knobsSchema.partial().safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: 'bad knobs', issues: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    control.setKnobs(body.data as Partial<SimulatorKnobs>);
    return { knobs };
  });
  // Changes BPJS's data at run time: POST /__data { participants?: [...], projects?: [...] }.
  app.post('/__data', { bodyLimit: 8 * 1024 * 1024 }, async (request, reply) => {
    if (!authorised(request)) return reply.code(401).send({ error: 'unauthorized' });
    const body = simulatorDataSchema.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: 'bad data', issues: body.error.issues.slice(0, 20).map((i) => `${i.path.join('.')}: ${i.message}`) });
    control.putData(body.data);
    return { participants: participants.size, projects: projects.size };
  });
  app.get('/__stats', async (request, reply) => {
    if (!authorised(request)) return reply.code(401).send({ error: 'unauthorized' });
    return { ...stats, batchSizes: stats.batchSizes.length };
  });
  app.get('/health', async () => ({ status: 'ok', participants: participants.size, projects: projects.size }));

  return app as unknown as Simulator;
}
