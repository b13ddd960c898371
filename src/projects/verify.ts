// POST /v1/projects/{id}/verify: refresh from the live provider, now and whatever their age, the
// project's registration and the memberships of everyone a non-final request valued today would
// check, within BPJS_DEADLINE_MS. The provider stores what it gets and appends the
// `membership.refreshed` audit event with the caller as actor; this service only counts.
import type { AppContext } from '../context.ts';
import { AppError } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { errorMessage, withinDeadline } from '../memberships/deadline.ts';
import type { RefreshMeta, RefreshOutcome } from '../memberships/provider.ts';
import type { Period } from '../policy/index.ts';
import type { Gate } from '../disbursements/gate.ts';
import { readDecisionInputs } from '../disbursements/repository.ts';
import { canManageProject, projectNotFound } from './access.ts';

export type RegistrationOutcome = 'REFRESHED' | 'NOT_FOUND' | 'FAILED';

export interface VerifyResult {
  projectId: string;
  period: Period;
  checked: number;
  refreshed: number;
  notFound: number;
  failed: number;
  registration: { registrationNumber: string; outcome: RegistrationOutcome } | null;
}

/** Where provider trouble is reported (the request's logger); never with personal data. */
export interface Log {
  warn(obj: object, message: string): void;
}

export const liveProviderRequired = (): AppError =>
  new AppError('LIVE_PROVIDER_REQUIRED', {
    detail: {
      id: 'Layanan ini memakai data impor (BPJS_PROVIDER=snapshot): tidak ada yang dapat diperbarui langsung dari BPJS; impor data kepesertaan terbaru',
      en: 'This deployment uses imported data (BPJS_PROVIDER=snapshot): nothing can be refreshed from BPJS on demand; import a newer membership snapshot',
    },
  });

export function createVerifyService(ctx: AppContext, gate: Gate) {
  const { db } = ctx.database;

  /** One refresh within the deadline; "all failed" when the provider throws or has not finished in time. */
  async function bounded(what: string, keys: string[], deadline: Date, log: Log, run: () => Promise<RefreshOutcome>): Promise<RefreshOutcome> {
    const allFailed: RefreshOutcome = { refreshed: [], notFound: [], failed: [...keys] };
    if (keys.length === 0) return allFailed;
    const [outcome] = await withinDeadline([run], deadline);
    if (outcome?.status === 'done') return outcome.value;
    if (outcome?.status === 'failed') {
      log.warn({ provider: ctx.provider.name, what, err: { message: errorMessage(outcome.error) } }, 'membership provider failed');
    } else {
      log.warn({ provider: ctx.provider.name, what }, 'membership provider missed the verification deadline');
    }
    return allFailed;
  }

  return {
    async verify(meta: RequestMeta, projectId: string, log: Log): Promise<VerifyResult> {
      const inputs = await readDecisionInputs(db, projectId);
      // Another OPD's project is a 404, as everywhere (its existence does not leak).
      if (!inputs || !canManageProject(meta.auth, inputs.project.opdCode)) throw projectNotFound();
      if (ctx.provider.name === 'snapshot') throw liveProviderRequired();
      const project = { id: inputs.project.id, registrationNumber: inputs.project.bpjsRegistrationNumber };

      // Who a request valued today would check: the gate's (the policy's) own answer, not a copy.
      const roster = await gate.rosterOf(db, project.id, inputs.version);
      const { period, niks } = gate.checkedNiks(inputs, roster, ctx.today());
      const deadline = new Date(Date.now() + ctx.config.BPJS_DEADLINE_MS);
      const refreshMeta: RefreshMeta = { actor: meta.actor, requestId: meta.requestId };
      const number = project.registrationNumber;
      const [members, registration] = await Promise.all([
        bounded('memberships', niks, deadline, log, () => ctx.provider.refreshMemberships(niks, deadline, refreshMeta)),
        bounded('registration', number === null ? [] : [number], deadline, log, () => ctx.provider.refreshRegistrations(number === null ? [] : [number], deadline, refreshMeta)),
      ]);

      // Counted over the asked NIKs only, so checked = refreshed + notFound + failed whatever the provider says.
      const refreshedSet = new Set(members.refreshed);
      const notFoundSet = new Set(members.notFound);
      let refreshed = 0;
      let notFound = 0;
      for (const nik of niks) {
        if (refreshedSet.has(nik)) refreshed++;
        else if (notFoundSet.has(nik)) notFound++;
      }
      return {
        projectId: project.id,
        period,
        checked: niks.length,
        refreshed,
        notFound,
        failed: niks.length - refreshed - notFound,
        registration: number === null ? null : {
          registrationNumber: number,
          outcome: registration.refreshed.includes(number) ? 'REFRESHED' : registration.notFound.includes(number) ? 'NOT_FOUND' : 'FAILED',
        },
      };
    },
  };
}
