import Fastify from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.ts';

/** One registry per process: metric names are global, and tests build many apps in one process. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequestDuration = new Histogram({
  name: 'gerbang_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const decisionsTotal = new Counter({
  name: 'gerbang_decisions_total',
  help: 'Disbursement decisions made, by outcome',
  labelNames: ['decision'] as const,
  registers: [registry],
});

/**
 * How decisions reached the database (disbursements/decide.ts): `stored`, one statement stored it
 * (the project was as this process remembered it); `changed`, the project had changed, nothing
 * was written and the decision was evaluated again; `transaction`, it took the transaction path
 * (a webhook subscriber, or the project kept changing). Many `changed` mean instances deciding on
 * the same projects.
 */
export const decisionStatements = new Counter({
  name: 'gerbang_decision_statements_total',
  help: 'Decision writes by path: stored (one statement), changed (project changed, evaluated again), transaction',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const upstreamCalls = new Counter({
  name: 'gerbang_bpjs_calls_total',
  help: 'Calls to the BPJS upstream by endpoint and outcome',
  labelNames: ['endpoint', 'outcome'] as const,
  registers: [registry],
});

export const upstreamLatency = new Histogram({
  name: 'gerbang_bpjs_call_duration_seconds',
  help: 'Latency of calls to the BPJS upstream',
  labelNames: ['endpoint'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
  registers: [registry],
});

export const laggingReads = new Counter({
  name: 'gerbang_db_lagging_reads_total',
  help: 'Reads that may lag (audit exports and verification, forecast), by where they went: the DATABASE_READ_URL standby or the primary',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const breakerState = new Gauge({
  name: 'gerbang_bpjs_breaker_open',
  help: 'Circuit breaker state of the BPJS upstream: 0 closed, 0.5 half-open, 1 open',
  registers: [registry],
});

let auditTreeTiles: () => number = () => 0;
/** Where the gauge below reads its value (server.ts: the transparency log's memory of its database). */
export function observeAuditTreeTiles(count: () => number): void {
  auditTreeTiles = count;
}

new Gauge({
  name: 'gerbang_audit_tree_tiles_in_memory',
  help: 'Full tiles (256 leaves each) of the audit Merkle tree held in memory for proofs; at most 4096',
  registers: [registry],
  collect() {
    this.set(auditTreeTiles());
  },
});

/** Serves GET /metrics (Prometheus text, no auth) on METRICS_HOST:METRICS_PORT, apart from the API. */
export async function startMetricsServer(config: Config, logger: Logger) {
  const server = Fastify({ loggerInstance: logger.child({ component: 'metrics' }) });
  server.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  await server.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST });
  return server;
}
