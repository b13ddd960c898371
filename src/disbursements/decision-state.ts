// What this process remembers of each project between its decisions, so that a decision can be
// evaluated before it talks to the database and stored in one statement (decide.ts): the inputs a
// request would read (gerbang_decision_inputs) are rebuilt from the project's head, roster
// version, approved total and latest approval as the last decision (or read) left them. The
// memory is only a guess: gerbang_decision_check (migration 0030) compares the guess with the
// inputs read under the project's lock and writes nothing unless they are equal, so a stale guess
// (another instance decided, a void, a roster edit) costs one round trip, never a wrong decision.
import type { PolicyApproval } from '../policy/index.ts';
import { WeightedLru } from './lru.ts';
import type { DecisionInputs, ProjectAfter, ProjectHead, ProjectRef } from './repository.ts';

/** A project as its last decision or read left it. */
export interface KnownProject {
  project: ProjectHead;
  approvedTotal: string;
  version: string;
  valueDateLimit: string;
  /** The latest approval (latest value date, then first stage), or none. */
  latest: PolicyApproval | null;
  /** Stages seen approved (stage -> value date): a request for one of them reads its approval. */
  approved: Map<string, string>;
}

/** Stages remembered per project; beyond it the memory starts again (a miss costs a round trip). */
const APPROVED_STAGES_LIMIT = 2_000;

/**
 * The inputs a request (stage, value date) would read, were the project still as remembered:
 * gerbang_decision_inputs' document with the same keys, so that the database's jsonb equality can
 * judge it: the stage's own approval when it was seen approved, and the latest approval when it
 * is on or before the value date. What the memory cannot know (an approval made elsewhere, a
 * value date before the latest approval) reads differently and costs the round trip that shows it.
 */
export function expectedInputs(known: KnownProject, stage: string | null, valueDate: string): DecisionInputs {
  const { latest } = known;
  const approvals: PolicyApproval[] = [];
  const own = stage === null ? undefined : known.approved.get(stage);
  if (stage !== null && own !== undefined) approvals.push({ stage, valueDate: own });
  if (latest !== null && latest.valueDate <= valueDate && !(own !== undefined && latest.stage === stage)) {
    approvals.push({ stage: latest.stage, valueDate: latest.valueDate });
  }
  // The database orders them by value date, then stage (its collation; a tie it orders otherwise costs a round trip).
  approvals.sort((a, b) => (a.valueDate !== b.valueDate ? (a.valueDate < b.valueDate ? -1 : 1) : a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0));
  return {
    project: known.project,
    approvals,
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
    /**
     * The inputs read from the database for a request about `stage`, with the project's latest
     * approval: they say whether that stage is approved now.
     */
    remember(inputs: DecisionInputs, latest: PolicyApproval | null, stage: string | null): KnownProject {
      const before = byId.get(inputs.project.id);
      const approved = before?.approved ?? new Map<string, string>();
      if (approved.size >= APPROVED_STAGES_LIMIT) approved.clear();
      for (const a of inputs.approvals) approved.set(a.stage, a.valueDate);
      if (stage !== null && !inputs.approvals.some((a) => a.stage === stage)) approved.delete(stage);
      const known: KnownProject = {
        project: inputs.project, approvedTotal: inputs.approvedTotal, version: inputs.version, valueDateLimit: inputs.valueDateLimit, latest, approved,
      };
      byId.set(known.project.id, known);
      if (idOfCode.size >= limit) idOfCode.clear();
      idOfCode.set(known.project.code, known.project.id);
      return known;
    },
    /** The project once this process's decision on `inputs` committed; `approved`: the stage it approved. */
    decided(inputs: DecisionInputs, after: ProjectAfter, stage: string | null, approved: PolicyApproval | null): void {
      const known = this.remember({ ...inputs, approvedTotal: after.approvedTotal }, after.latest, stage);
      if (approved !== null) known.approved.set(approved.stage, approved.valueDate);
    },
    /** Forget a project (its inputs changed under a decision that read them). */
    forget(projectId: string): void {
      byId.delete(projectId);
    },
  };
}

/**
 * One decision at a time per project in this process (`take` resolves when the key's earlier
 * holders let go): decisions of one project would otherwise find each other's approvals under the
 * lock and evaluate again, each retry a round trip. The database's lock still orders instances.
 */
export function createTurns() {
  const tails = new Map<string, Promise<void>>();
  return async function take(key: string): Promise<() => void> {
    const previous = tails.get(key);
    let letGo = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const tail = previous === undefined ? mine : previous.then(() => mine);
    tails.set(key, tail);
    if (previous !== undefined) await previous;
    return () => {
      letGo();
      if (tails.get(key) === tail) tails.delete(key);
    };
  };
}
