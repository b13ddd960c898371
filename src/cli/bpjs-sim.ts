// `npm run bpjs:sim -- --data test/fixtures/bpjs-sim-data.json --port 4010 --api-key sim-key`
// Runs the BPJS upstream simulator; point Gerbang at it with BPJS_PROVIDER=http,
// BPJS_API_URL=http://127.0.0.1:4010, BPJS_API_KEY=sim-key. Knobs change at run time with
// `curl -X POST -H 'authorization: Bearer sim-key' -H 'content-type: application/json' \
//   -d '{"errorRate":1}' http://127.0.0.1:4010/__control`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildSimulator, simulatorDataSchema, type SimulatorKnobs } from '../bpjs/simulator.ts';

const USAGE = `Usage: npm run bpjs:sim -- [options]
  --data <file>            JSON { participants: [...], projects: [...] } in the upstream's shape
                           (default test/fixtures/bpjs-sim-data.json)
  --port <n>               default 4010          --host <addr>   default 127.0.0.1
  --api-key <key>          bearer key callers must send (default $BPJS_API_KEY or sim-key)
  --latency <ms>           delay before every answer
  --error-rate <0..1>      share of calls answered 503
  --timeout-rate <0..1>    share of calls never answered
  --malformed-rate <0..1>  share of calls answered with a body that breaks the schema
  --oversized-rate <0..1>  share of calls answered with a 2 MiB body
  --rate-limit-rate <0..1> share of calls answered 429   --retry-after <s>  its Retry-After (default 1)
  --omit-rate <0..1>       share of entries left out of good answers
  --form stored|list|flat  found participants as the data holds them (default), always as
                           { memberships: [...] }, or with one coverage at the top level
Run time (with the same bearer key): POST /__control with the knobs in camelCase (latencyMs,
errorRate, ..., script: ["error", "ok"]); POST /__data { participants?, projects? } to change
BPJS's data; GET /__stats for call counts.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        data: { type: 'string', default: 'test/fixtures/bpjs-sim-data.json' },
        port: { type: 'string', default: '4010' },
        host: { type: 'string', default: '127.0.0.1' },
        'api-key': { type: 'string', default: process.env.BPJS_API_KEY ?? 'sim-key' },
        latency: { type: 'string' },
        'error-rate': { type: 'string' },
        'timeout-rate': { type: 'string' },
        'malformed-rate': { type: 'string' },
        'oversized-rate': { type: 'string' },
        'rate-limit-rate': { type: 'string' },
        'retry-after': { type: 'string' },
        'omit-rate': { type: 'string' },
        form: { type: 'string', default: 'stored' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const number = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) fail(`--${flag} must be a number`);
    return n;
  };
  const knobs: Partial<SimulatorKnobs> = {};
  const set = <K extends keyof SimulatorKnobs>(key: K, value: SimulatorKnobs[K] | undefined) => {
    if (value !== undefined) knobs[key] = value;
  };
  set('latencyMs', number('latency', values.latency));
  set('errorRate', number('error-rate', values['error-rate']));
  set('timeoutRate', number('timeout-rate', values['timeout-rate']));
  set('malformedRate', number('malformed-rate', values['malformed-rate']));
  set('oversizedRate', number('oversized-rate', values['oversized-rate']));
  set('rateLimitRate', number('rate-limit-rate', values['rate-limit-rate']));
  set('retryAfterSeconds', number('retry-after', values['retry-after']));
  set('omitRate', number('omit-rate', values['omit-rate']));
  const form = values.form;
  if (form !== 'stored' && form !== 'list' && form !== 'flat') fail('--form must be stored, list or flat');
  set('participantForm', form);

  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(values.data, 'utf8'));
  } catch (err) {
    fail(`cannot read --data ${values.data}: ${(err as Error).message}`);
  }
  const data = simulatorDataSchema.safeParse(raw);
  if (!data.success) fail(`--data ${values.data} is not in the upstream's shape: ${data.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);

  let simulator;
  try {
    simulator = buildSimulator({ data: data.data, apiKey: values['api-key'], knobs, logger: true });
  } catch (err) {
    fail(`bad knobs: ${(err as Error).message}`);
  }
  const port = number('port', values.port) ?? 4010;
  const app = simulator;
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return app.listen({ port, host: values.host }).then((address) => {
    process.stdout.write(
      `BPJS simulator on ${address}: ${data.data.participants.length} participants, ${data.data.projects.length} projects\n` +
        `Gerbang: BPJS_PROVIDER=http BPJS_API_URL=${address} BPJS_API_KEY=<your --api-key>\n`,
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`BPJS simulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
