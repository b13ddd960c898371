// Offline verification of an audit export (GET /v1/audit/events with Accept: application/x-ndjson):
//   npm run audit:verify -- export.ndjson [--checkpoint cp.json --jwks jwks.json] [--json]
// Recomputes every hash and link, reading the file line by line (any size in bounded memory), and
// optionally proves a signed checkpoint (GET /v1/audit/checkpoint, kept earlier) is contained in it.
// Exit status: 0 valid, 1 invalid (chain or checkpoint), 2 unusable input. Use `-` for stdin.
// With --receipt or --consistency it checks the transparency log instead (see src/cli/tlog-verify.ts).
import { createReadStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GENESIS_HASH } from '../audit/chain.ts';
import { verifyJson } from '../audit/signing.ts';
import { createChainVerifier, type ChainVerdict } from '../audit/verifier.ts';
import { runTlogVerify, TLOG_USAGE } from './tlog-verify.ts';

const USAGE = `usage: npm run audit:verify -- <export.ndjson | -> [--checkpoint cp.json [--jwks jwks.json]] [--json]\n${TLOG_USAGE}`;

interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  jws: string;
}

interface CheckpointResult {
  seq: number;
  hash: string;
  contained: boolean;
  signature: 'valid' | 'invalid' | 'not checked';
  kid?: string | undefined;
  detail?: string;
}

function die(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return die(`cannot read the ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function asCheckpoint(value: unknown): Checkpoint {
  const cp = value as Partial<Checkpoint> | null;
  if (!cp || !Number.isSafeInteger(cp.seq) || typeof cp.hash !== 'string' || typeof cp.jws !== 'string' || typeof cp.at !== 'string') {
    return die('the checkpoint must be { seq, hash, at, jws } as GET /v1/audit/checkpoint returns it');
  }
  return cp as Checkpoint;
}

/** Checks the signature, and that the JSON beside it says what was signed. */
async function checkSignature(cp: Checkpoint, jwksFile: string | undefined): Promise<Pick<CheckpointResult, 'signature' | 'kid' | 'detail'>> {
  if (!jwksFile) return { signature: 'not checked', detail: 'no --jwks given: the signature was not checked' };
  const jwks = readJsonFile(jwksFile, 'JWKS') as { keys?: unknown };
  if (!Array.isArray(jwks?.keys)) die('the JWKS must be { keys: [...] } as GET /v1/audit/jwks.json returns it');
  try {
    const { payload, kid } = await verifyJson(cp.jws, jwks as { keys: [] }, 'gerbang-checkpoint+jws');
    const p = payload as Partial<Checkpoint>;
    if (p.seq !== cp.seq || p.hash !== cp.hash || p.at !== cp.at) {
      return { signature: 'invalid', kid, detail: 'the checkpoint JSON does not match its signed payload' };
    }
    return { signature: 'valid', kid };
  } catch (err) {
    return { signature: 'invalid', detail: `signature does not verify: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function verifyFile(source: string, checkpointSeq: number | undefined): Promise<{ verdict: ChainVerdict; hashAtCheckpoint: string | null; seconds: number }> {
  const started = performance.now();
  // seq 1 must link to the genesis hash; a partial export (afterSeq) is checked from its first event.
  const verifier = createChainVerifier({ prevHash: null });
  let hashAtCheckpoint: string | null = null;
  let lineNo = 0;
  const handle = (line: string): void => {
    lineNo++;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1); // a byte-order mark from an editor
    if (line.trim() === '') return;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
      if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new Error('not an object');
    } catch {
      verifier.fail(verifier.nextSeq ?? 0, 'MALFORMED_EVENT', `line ${lineNo} is not a JSON object`);
      return;
    }
    if (verifier.push(event) && event.seq === checkpointSeq) hashAtCheckpoint = event.hash as string;
  };
  const input = source === '-' ? process.stdin : createReadStream(source, { highWaterMark: 1 << 20 });
  input.setEncoding('utf8');
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const text = rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        handle(text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
      if (!verifier.ok) break; // the first invalid seq is known: no need to read on
    }
  } catch (err) {
    die(`cannot read ${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (verifier.ok && rest !== '') handle(rest);
  return { verdict: verifier.verdict(), hashAtCheckpoint, seconds: (performance.now() - started) / 1000 };
}

function containment(cp: Checkpoint, verdict: ChainVerdict, hashAtCheckpoint: string | null): Pick<CheckpointResult, 'contained' | 'detail'> {
  if (cp.seq === 0) {
    const contained = cp.hash === GENESIS_HASH && (verdict.firstSeq === null || verdict.firstSeq === 1);
    return contained ? { contained } : { contained, detail: 'a checkpoint of the empty log names the genesis hash and needs an export from seq 1' };
  }
  if (hashAtCheckpoint === cp.hash) return { contained: true };
  if (hashAtCheckpoint !== null) return { contained: false, detail: `seq ${cp.seq} has hash ${hashAtCheckpoint}, the checkpoint says ${cp.hash}` };
  if (verdict.firstSeq !== null && verdict.firstSeq > cp.seq) return { contained: false, detail: `the export starts at seq ${verdict.firstSeq}, after the checkpoint` };
  if (!verdict.ok && (verdict.firstInvalidSeq ?? 0) <= cp.seq) return { contained: false, detail: `the chain breaks at seq ${verdict.firstInvalidSeq}, at or before the checkpoint` };
  return { contained: false, detail: `the export ends at seq ${verdict.lastSeq ?? 0}, before the checkpoint's seq ${cp.seq}` };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        checkpoint: { type: 'string' }, jwks: { type: 'string' }, json: { type: 'boolean', default: false },
        receipt: { type: 'string' }, consistency: { type: 'string' }, proof: { type: 'string' }, witness: { type: 'string', multiple: true },
      },
    });
  } catch (err) {
    return die(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.receipt || values.consistency) {
    if (values.receipt && values.consistency) die('give --receipt or --consistency, not both');
    if (positionals.length > (values.consistency ? 1 : 0)) die('--receipt takes no export file; --consistency takes old.txt and new.txt');
    process.exitCode = await runTlogVerify({ ...values, newer: positionals[0] });
    return;
  }
  if (values.proof || values.witness) die('--proof and --witness go with --receipt or --consistency');
  if (positionals.length !== 1) die('give exactly one export file');
  if (values.jwks && !values.checkpoint) die('--jwks verifies a --checkpoint; give both');
  const cp = values.checkpoint ? asCheckpoint(readJsonFile(values.checkpoint, 'checkpoint')) : undefined;

  const { verdict, hashAtCheckpoint, seconds } = await verifyFile(positionals[0] as string, cp?.seq);
  let checkpoint: CheckpointResult | undefined;
  if (cp) {
    const where = containment(cp, verdict, hashAtCheckpoint);
    const sig = await checkSignature(cp, values.jwks);
    const detail = [where.detail, sig.detail].filter(Boolean).join('; ');
    checkpoint = { seq: cp.seq, hash: cp.hash, contained: where.contained, signature: sig.signature, ...(sig.kid ? { kid: sig.kid } : {}), ...(detail ? { detail } : {}) };
  }
  const ok = verdict.ok && (!checkpoint || (checkpoint.contained && checkpoint.signature !== 'invalid'));
  const rate = Math.round(verdict.checked / Math.max(seconds, 1e-9));

  if (values.json) {
    const cpu = process.cpuUsage();
    const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
    process.stdout.write(`${JSON.stringify({ ...verdict, ok, chainOk: verdict.ok, eventsPerSecond: rate, cpuSeconds, ...(checkpoint ? { checkpoint } : {}) })}\n`);
  } else {
    const range = verdict.firstSeq === null ? 'no events' : `seq ${verdict.firstSeq}..${verdict.lastSeq ?? verdict.firstSeq}`;
    if (verdict.ok) {
      process.stdout.write(`chain ok: ${verdict.checked} events verified (${range}), last hash ${verdict.lastHash ?? GENESIS_HASH}; ${rate} events/s\n`);
      if (verdict.firstSeq !== null && verdict.firstSeq > 1) process.stdout.write(`note: a partial export; the link from seq ${verdict.firstSeq} to seq ${verdict.firstSeq - 1} is not checked\n`);
    } else {
      process.stdout.write(`chain INVALID: first invalid seq ${verdict.firstInvalidSeq} (${verdict.reason}): ${verdict.detail}\n`);
    }
    if (checkpoint) {
      const sig = checkpoint.signature === 'valid' ? `signature valid (kid ${checkpoint.kid})` : `signature ${checkpoint.signature}`;
      process.stdout.write(`checkpoint seq ${checkpoint.seq}: ${checkpoint.contained ? 'contained unchanged' : 'NOT contained'}; ${sig}${checkpoint.detail ? ` (${checkpoint.detail})` : ''}\n`);
    }
    process.stdout.write(ok ? 'ok\n' : 'FAILED\n');
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
