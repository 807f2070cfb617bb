import type { Cluster } from "../cluster/cluster.js";
import type { KubeObject } from "../model/kube-object.js";
import { assertApplicationStatus } from "../model/index.js";
import { cloneJson, type JsonValue, toJsonObject } from "../util/index.js";
import {
  isSuspended,
  restartWorkflow,
  resumeWorkflow,
  storedWorkflowOf,
  suspendWorkflow,
  terminateWorkflow,
  type OperationResult,
  type WorkflowSpec,
  type WorkflowStatus,
} from "../workflow/index.js";
import { editApplicationStatus, getApplication, statusOf } from "../reconciler/application-object.js";
import { driveOrHandOff } from "../controller/controller-handoff.js";
import type { DriveOptions, DriveResult } from "../reconciler/drive.js";
import { applicationInputOf } from "../reconciler/reconcile.js";
import { rollbackApplication } from "./rollback.js";
import {
  findAppRollouts,
  isRolloutProgressing,
  isRolloutResumable,
  rolloutPausedAtStep,
  resetStaleRolloutSteps,
  resumeRollouts,
  suspendRollouts,
  unpauseRollouts,
} from "../rollout/rollout-coupling.js";
import { describeRollout } from "../rollout/rollout-engines.js";
import { withTarget, type Target, type TargetOptions } from "../target/target.js";
import {
  approvalPending,
  clearResumeInFlight,
  latestRevisionOf,
  recordResumeInFlight,
  resumeInFlightOf,
  rolloutKey,
  type ResumeInFlight,
} from "./resume-in-flight.js";

export type WorkflowOperation = "suspend" | "resume" | "terminate" | "restart" | "rollback";

/** Options of {@link runWorkflowCommand}. */
export interface WorkflowCommandOptions extends TargetOptions, Omit<DriveOptions, "progress"> {
  readonly operation: WorkflowOperation;
  readonly app: string;
  readonly namespace: string;
  /** `rollback --revision N` */
  readonly revision?: number;
  /** `restart --step X` */
  readonly step?: string;
  readonly progress?: (line: string) => void;
}

/** What a workflow command did: KubeVela-style lines, and where the release stands afterwards. */
export interface WorkflowCommandResult {
  readonly messages: readonly string[];
  readonly drive: DriveResult;
}

function workflowOf(app: KubeObject): WorkflowStatus | undefined {
  return storedWorkflowOf(statusOf(app));
}

/**
 * Writes a workflow operation into the Application's status (KubeVela patches `status.workflow`; a
 * running controller picks it up from there). `operate` edits the workflow status as read and, if a
 * reconcile pass wrote the status meanwhile (409), edits the newer one again: the operation lands
 * on the reconciler's progress instead of undoing it. Returns the operation's message.
 */
async function writeOperation(
  cluster: Cluster,
  app: KubeObject,
  operate: (workflow: WorkflowStatus | undefined) => OperationResult,
): Promise<string> {
  let message = "";
  await editApplicationStatus(cluster, app, (current) => {
    const result = operate(workflowOf(current));
    message = result.message;
    const status = cloneJson(statusOf(current));
    if (result.status === undefined) delete status.workflow;
    else status.workflow = toJsonObject(result.status);
    return status;
  });
  return message;
}

async function suspend(target: Target, app: KubeObject, name: string, namespace: string): Promise<string[]> {
  // Refuse (finished, terminated) before any Rollout is touched.
  suspendWorkflow(workflowOf(app), name);
  // Pause in-flight Rollouts first, so nothing moves on between the two writes.
  const messages = await suspendRollouts(target.cluster, await findAppRollouts(target.cluster, name, namespace));
  return [...messages, await writeOperation(target.cluster, app, (workflow) => suspendWorkflow(workflow, name))];
}

/**
 * `workflow resume`: a suspended workflow is resumed (and Rollouts paused by `workflow suspend` are
 * unpaused); otherwise a Rollout waiting at a manual step is approved, as `kubectl-kruise rollout
 * approve` would. Approving only when the workflow itself is not suspended keeps a resume from both
 * ending a `suspend` step and skipping a canary step. What the resume does is recorded before its
 * first write ({@link recordResumeInFlight}), so running it again after it was killed finishes that
 * and approves nothing more (see {@link resumeAgain}).
 */
async function resume(target: Target, app: KubeObject, name: string, namespace: string): Promise<string[]> {
  const workflow = workflowOf(app);
  // A terminated workflow stays stopped until `restart`: let the operation refuse (with that hint)
  // before anything else, so a Rollout still waiting at a step of the terminated release is not
  // approved behind the person's back.
  if (workflow?.terminated === true) resumeWorkflow(workflow, name);
  const rollouts = await findAppRollouts(target.cluster, name, namespace);
  const interrupted = resumeInFlightOf(app);
  if (interrupted !== undefined) return resumeAgain(target, app, name, interrupted, rollouts);
  if (isSuspended(workflow)) {
    resumeWorkflow(workflow, name);
    const recorded = await recordResumeInFlight(target.cluster, app, {
      revision: latestRevisionOf(app),
      workflow: true,
      rollouts: {},
    });
    const messages = await unpauseRollouts(target.cluster, rollouts);
    return [...messages, await writeOperation(target.cluster, recorded, (current) => resumeWorkflow(current, name))];
  }
  const resumable = rollouts.filter(isRolloutResumable);
  if (resumable.length > 0) {
    await recordResumeInFlight(target.cluster, app, {
      revision: latestRevisionOf(app),
      workflow: false,
      rollouts: Object.fromEntries(resumable.map((rollout) => [rolloutKey(rollout), rolloutPausedAtStep(rollout)])),
    });
    return resumeRollouts(target.cluster, resumable);
  }
  // A release that runs and waits for no one: nothing to do, and re-running the command is safe;
  // `--wait` then follows the release.
  if (workflow !== undefined && !workflow.finished && !workflow.terminated)
    return [`workflow ${name} is not suspended and no Rollout waits for approval: nothing to resume`];
  // Neither: let the workflow operation explain why (finished, terminated…).
  resumeWorkflow(workflow, name);
  return [];
}

/**
 * A resume run again after an earlier run was killed (its record is still there): what that run
 * had not done yet is done now — the suspended workflow resumed, a Rollout still waiting at the
 * step it approved approved — and what already took effect is reported. A Rollout that has moved on
 * to a later step is not approved again: that is a person's next decision, not this command's.
 */
async function resumeAgain(
  target: Target,
  app: KubeObject,
  name: string,
  record: ResumeInFlight,
  rollouts: readonly KubeObject[],
): Promise<string[]> {
  const messages: string[] = [];
  if (record.workflow) {
    if (isSuspended(workflowOf(app))) {
      messages.push(...(await unpauseRollouts(target.cluster, rollouts)));
      messages.push(await writeOperation(target.cluster, app, (current) => resumeWorkflow(current, name)));
    } else messages.push(`workflow ${name}: the resume of an interrupted workflow resume already took effect`);
  }
  for (const rollout of rollouts) {
    const step = record.rollouts[rolloutKey(rollout)];
    if (step === undefined) continue;
    if (approvalPending(record, rollout)) messages.push(...(await resumeRollouts(target.cluster, [rollout])));
    else
      messages.push(
        `${describeRollout(rollout)}: the approval of step ${step} by an interrupted workflow resume already took effect`,
      );
  }
  return messages;
}

/**
 * `workflow terminate`: the run stops for good, and an in-flight Rollout stays where it is — paused
 * (`spec.strategy.paused`), so neither a timed step nor an approval moves the canary on — until
 * `workflow restart` or `workflow rollback`.
 */
async function terminate(target: Target, app: KubeObject, name: string, namespace: string): Promise<string[]> {
  // Refuse (finished) before any Rollout is touched.
  terminateWorkflow(workflowOf(app), name);
  const rollouts = await findAppRollouts(target.cluster, name, namespace);
  const paused = (await suspendRollouts(target.cluster, rollouts)).map((line) =>
    line.replace(/ suspended\.$/, " paused where it is (restart or rollback moves it on)."),
  );
  return [...paused, await writeOperation(target.cluster, app, (workflow) => terminateWorkflow(workflow, name))];
}

/** `workflow restart`: the run starts again; Rollouts paused by `terminate` (or `suspend`) are unpaused. */
async function restart(
  target: Target,
  app: KubeObject,
  name: string,
  namespace: string,
  step: string | undefined,
): Promise<string[]> {
  const input = applicationInputOf(app, target.deps.applicationCheck);
  // A full restart needs no steps (the run is cleared); one from a step needs the list (the status
  // was checked for that case).
  const spec = (input.spec.workflow as WorkflowSpec | undefined) ?? {
    steps:
      step === undefined ? [] : (workflowOf(app)?.steps ?? []).map((entry) => ({ name: entry.name, type: entry.type })),
  };
  // Check the step exists before any Rollout is touched.
  restartWorkflow(workflowOf(app), name, spec, step === undefined ? {} : { step });
  const unpaused = await unpauseRollouts(target.cluster, await findAppRollouts(target.cluster, name, namespace));
  return [
    ...unpaused,
    await writeOperation(target.cluster, app, (workflow) =>
      restartWorkflow(workflow, name, spec, step === undefined ? {} : { step }),
    ),
  ];
}

/**
 * Runs `vela-ts workflow <operation> <app>` and then drives the app (the sandbox's controllers
 * react; with `wait`, through timed steps), so every command leaves the release where it settles.
 * When a controller holds the Lease for the app's namespace, the operation is only written and the
 * controller carries it out (`wait` follows it).
 */
export async function runWorkflowCommand(options: WorkflowCommandOptions): Promise<WorkflowCommandResult> {
  return withTarget(options, async (target) => {
    const app = await getApplication(target.cluster, options.app, options.namespace);
    // A full restart starts the run over, whatever the status says: it is the way out of a bad one.
    if (options.operation !== "restart" || options.step !== undefined)
      assertApplicationStatus(options.app, app.status as JsonValue | undefined);
    let messages: string[];
    switch (options.operation) {
      case "suspend":
        messages = await suspend(target, app, options.app, options.namespace);
        break;
      case "resume":
        messages = await resume(target, app, options.app, options.namespace);
        break;
      case "terminate":
        messages = await terminate(target, app, options.app, options.namespace);
        break;
      case "restart":
        messages = await restart(target, app, options.app, options.namespace, options.step);
        break;
      case "rollback":
        messages = await rollbackApplication(target, app, options.app, options.namespace, options.revision);
        break;
    }
    const drive = await driveOrHandOff(target, options.app, options.namespace, {
      wait: options.wait,
      sleep: options.sleep,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.progress === undefined ? {} : { progress: options.progress }),
    });
    // The command reports where the release stands now: a later resume is a person's next decision.
    if (options.operation === "resume")
      await clearResumeInFlight(target.cluster, await getApplication(target.cluster, options.app, options.namespace));
    if (options.operation === "rollback") {
      const rollouts = await findAppRollouts(target.cluster, options.app, options.namespace);
      // A controller resets stale Rollout steps in its own passes.
      if (drive.reconciledBy === undefined && (await resetStaleRolloutSteps(target.cluster, rollouts)) > 0)
        await target.driver.settle();
      if (rollouts.some(isRolloutProgressing))
        messages.push("the Rollout is still cancelling; vela-ts status shows when it is done");
    }
    return { messages, drive };
  });
}
