// What this process remembers of each project between its decisions, so that a decision can be
// evaluated before it talks to the database and stored in one statement (decide.ts): the inputs a
// request would read (gerbang_decision_inputs) are rebuilt from the project's head, roster
// version, approved total and latest approval as the last decision (or read) left them. The
// memory is only a guess: gerbang_decision_check (migration 0030) compares the guess with the
// inputs read under the project's lock and writes nothing unless they are equal, so a stale guess
// (another instance decided, a void, a roster edit) costs one round trip, never a wrong decision.
import type { PolicyApproval } from '../policy/index.ts';
import { WeightedLru } from './lru.ts';
import type { DecisionInputs, ProjectHead, ProjectRef } from './repository.ts';

/** A project as its last decision or read left it. */
export interface KnownProject {
  project: ProjectHead;
  approvedTotal: string;
  version: string;
  valueDateLimit: string;
  /** The latest approval (latest value date, then first stage), or none. */
  latest: PolicyApproval | null;
}

/** What a decision's statement says the project is once it commits. */
export interface ProjectAfter {
  approvedTotal: string;
  latest: PolicyApproval | null;
}

/**
 * The inputs a request (stage, value date) would read, were the project still as remembered:
 * gerbang_decision_inputs' document with the same keys, so that the database's jsonb equality can
 * judge it. It assumes the stage is not approved yet (a fresh stage, the usual request); an
 * approved one, or a value date before the latest approval, reads differently and costs the
 * round trip that shows it.
 */
export function expectedInputs(known: KnownProject, valueDate: string): DecisionInputs {
  const { latest } = known;
  return {
    project: known.project,
    approvals: latest !== null && latest.valueDate <= valueDate ? [{ stage: latest.stage, valueDate: latest.valueDate }] : [],
    approvedTotal: known.approvedTotal,
    version: known.version,
    valueDateLimit: known.valueDateLimit,
  };
}

/** Projects remembered by id (and their codes), least recently decided forgotten first. */
export function createDecisionStates(limit: number) {
  const byId = new WeightedLru<string, KnownProject>(limit, () => 1);
  const idOfCode = new Map<string, string>();

  return {
    find(ref: ProjectRef): KnownProject | undefined {
      const id = 'id' in ref ? ref.id : idOfCode.get(ref.code);
      const known = id === undefined ? undefined : byId.get(id);
      // A project's code may have been given to another since (the map outlives evicted entries).
      return known !== undefined && ('id' in ref || known.project.code === ref.code) ? known : undefined;
    },
    /** The inputs read from the database for a request, with the project's latest approval. */
    remember(inputs: DecisionInputs, latest: PolicyApproval | null): KnownProject {
      const known: KnownProject = {
        project: inputs.project, approvedTotal: inputs.approvedTotal, version: inputs.version, valueDateLimit: inputs.valueDateLimit, latest,
      };
      byId.set(known.project.id, known);
      if (idOfCode.size >= limit) idOfCode.clear();
      idOfCode.set(known.project.code, known.project.id);
      return known;
    },
    /** The project once this process's decision on `inputs` committed. */
    decided(inputs: DecisionInputs, after: ProjectAfter): void {
      this.remember({ ...inputs, approvedTotal: after.approvedTotal }, after.latest);
    },
    /** Forget a project (its inputs changed under a decision that read them). */
    forget(projectId: string): void {
      byId.delete(projectId);
    },
  };
}
export type DecisionStates = ReturnType<typeof createDecisionStates>;
