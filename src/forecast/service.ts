// GET /v1/forecast and the daily forecast.at_risk run (2.6). Reads stored data only (the read pool
// when there is one: a forecast may lag a little) and evaluates it with the app's gate; the
// rosters are cached per project and version like the gate's, loaded in one statement on a miss.
import { setImmediate } from 'node:timers/promises';
import type { AppContext } from '../context.ts';
import type { Gate } from '../disbursements/gate.ts';
import { renderReasons, storedReasons } from '../disbursements/render.ts';
import { loadRosters } from '../disbursements/repository.ts';
import { buildRoster, createRosterCache, type Roster } from '../disbursements/roster.ts';
import type { Executor } from '../db/client.ts';
import { hasRole } from '../http/auth.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { addDays, type Lang, type ReasonCode } from '../policy/index.ts';
import { forecastProject, type ForecastWindow } from './forecast.ts';
import { forecastInputs, recordAtRisk, type AtRiskRow } from './repository.ts';

const ROSTER_CACHE_ROWS = 250_000;
const ROSTER_BATCH = 200;
const YIELD_EVERY = 50;

export interface AtRisk {
  projectId: string;
  projectCode: string;
  opdCode: string;
  blockedFrom: string;
  reasons: Array<{ code: ReasonCode; retryable: boolean; message: string; workers?: number }>;
}

export function createForecastService(ctx: AppContext, gate: Gate) {
  const rosters = createRosterCache(ROSTER_CACHE_ROWS);

  async function rostersOf(db: Executor, wanted: ReadonlyArray<{ id: string; version: string }>): Promise<Map<string, Roster>> {
    const found = new Map<string, Roster>();
    const missing: string[] = [];
    for (const p of wanted) {
      const cached = rosters.get(p.id, p.version);
      if (cached) found.set(p.id, cached);
      else missing.push(p.id);
    }
    for (let i = 0; i < missing.length; i += ROSTER_BATCH) {
      for (const loaded of await loadRosters(db, missing.slice(i, i + ROSTER_BATCH), ctx.config.LOCAL_TIMEZONE)) {
        if (found.size % YIELD_EVERY === 0) await setImmediate();
        const roster = buildRoster(loaded.projectId, loaded, gate.maxAgeMs);
        rosters.put(roster);
        found.set(loaded.projectId, roster);
      }
    }
    return found;
  }

  /** Projects (of one OPD, or all) whose next payment is BLOCKED today or within `within` days, soonest first. */
  async function atRisk(db: Executor, opdCode: string | null, within: number, lang: Lang): Promise<AtRisk[]> {
    const today = ctx.today();
    const last = addDays(today, within);
    const projects = await forecastInputs(db, { opdCode, today });
    // One set of holidays for the whole city: the years from the earliest project start to the window's end.
    const earliest = projects.reduce((min, p) => (p.inputs.project.startDate < min ? p.inputs.project.startDate : min), today);
    const holidays = await gate.holidaysFor(db, earliest, last);
    const window: ForecastWindow = { today, last, nowMs: ctx.clock().getTime(), ageData: ctx.provider.name === 'snapshot', holidays };
    const byId = await rostersOf(db, projects.map((p) => ({ id: p.inputs.project.id, version: p.inputs.version })));
    const items: AtRisk[] = [];
    let done = 0;
    for (const { inputs, endDate } of projects) {
      // A city's forecast is ~100 ms of evaluation (seconds with cold caches): let other requests in.
      if (++done % YIELD_EVERY === 0) await setImmediate();
      const roster = byId.get(inputs.project.id);
      if (!roster) continue; // removed between the two reads: nothing to pay
      const f = forecastProject(gate, inputs, endDate, roster, window);
      if (!f) continue;
      const policyBlocks = f.result.reasons.filter((r) => r.severity === 'block');
      const rendered = renderReasons(storedReasons(f.result).filter((r) => r.severity === 'block'), null, { full: false, lang });
      items.push({
        projectId: inputs.project.id,
        projectCode: inputs.project.code,
        opdCode: inputs.project.opdCode,
        blockedFrom: f.blockedFrom,
        // Counts, not workers: the list is a dashboard's overview; the dry run names them.
        reasons: policyBlocks.map((r, i) => ({
          code: r.code, retryable: r.retryable, message: rendered[i]?.message ?? '', ...(r.workers ? { workers: r.workers.length } : {}),
        })),
      });
    }
    return items.sort((a, b) => (a.blockedFrom !== b.blockedFrom ? (a.blockedFrom < b.blockedFrom ? -1 : 1) : a.projectCode < b.projectCode ? -1 : 1));
  }

  return {
    async list(meta: RequestMeta, q: { within: number; opdCode?: string | undefined }) {
      const { auth } = meta;
      const all = hasRole(auth, 'inspector', 'admin');
      // OPD staff see their own OPD's projects; asking for another OPD's finds none.
      if (!all && q.opdCode !== undefined && q.opdCode !== auth.opd) return { asOf: ctx.today(), within: q.within, items: [] };
      const opdCode = all ? (q.opdCode ?? null) : auth.opd;
      const items = await atRisk(await ctx.database.reader(), opdCode, q.within, meta.lang);
      return { asOf: ctx.today(), within: q.within, items };
    },

    /**
     * The daily run: records today's projects at risk and notifies (forecast.at_risk) each one that
     * is newly at risk: not at risk on the previous run. Running again the same day notifies nothing
     * twice. Answers the ids notified.
     */
    async notifyAtRisk(): Promise<string[]> {
      const { db } = ctx.database;
      const day = ctx.today();
      const found = await atRisk(db, null, ctx.config.FORECAST_NOTIFY_WITHIN_DAYS, 'id');
      const rows: AtRiskRow[] = found.map((p) => ({ projectId: p.projectId, opdCode: p.opdCode, blockedFrom: p.blockedFrom, reasons: p.reasons.map((r) => r.code) }));
      return db.transaction(async (tx) => {
        const fresh = new Set(await recordAtRisk(tx, day, ctx.clock(), rows));
        for (const p of found) {
          if (!fresh.has(p.projectId)) continue;
          // Project and reason codes only: no worker, NIK or name.
          await ctx.outbox.record(tx, 'forecast.at_risk', p.opdCode, {
            projectId: p.projectId, projectCode: p.projectCode, opdCode: p.opdCode, blockedFrom: p.blockedFrom, day,
            reasons: p.reasons.map((r) => ({ code: r.code, retryable: r.retryable, ...(r.workers === undefined ? {} : { workers: r.workers }) })),
          });
        }
        return [...fresh];
      });
    },
  };
}
export type ForecastService = ReturnType<typeof createForecastService>;
