import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION } from "../model/labels.js";
import { mergeOpsOnlyTraits, selectRollbackTarget, type ApplicationSnapshot } from "../revision/index.js";
import { cloneJson, formatTimestamp, isJsonObject, type JsonObject } from "../util/index.js";
import {
  isActivelyRunning,
  isSuspended,
  restartWorkflow,
  resumeWorkflow,
  suspendWorkflow,
  terminateWorkflow,
  type OperationResult,
  type WorkflowSpec,
  type WorkflowStatus,
} from "../workflow/index.js";
import { editApplicationSpec, editApplicationStatus, getApplication, statusOf } from "./application-object.js";
import { driveOrHandOff } from "./controller-handoff.js";
import type { DriveOptions, DriveResult } from "./drive.js";
import { applicationInputOf, markRevision } from "./reconcile.js";
import { listApplicationRevisions, revisionRecordOf } from "./revision-objects.js";
import {
  cancelRolloutTraffic,
  findAppRollouts,
  isRolloutProgressing,
  resetStaleRolloutSteps,
  resumeRollouts,
  suspendRollouts,
  unpauseRollouts,
} from "./rollout-coupling.js";
import { withTarget, type Target, type TargetOptions } from "./target.js";

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
  const workflow = statusOf(app).workflow;
  return isJsonObject(workflow) ? (workflow as unknown as WorkflowStatus) : undefined;
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
    else status.workflow = result.status as unknown as JsonObject;
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
 * ending a `suspend` step and skipping a canary step.
 */
async function resume(target: Target, app: KubeObject, name: string, namespace: string): Promise<string[]> {
  const workflow = workflowOf(app);
  // A terminated workflow stays stopped until `restart`: let the operation refuse (with that hint)
  // before anything else, so a Rollout still waiting at a step of the terminated release is not
  // approved behind the person's back.
  if (workflow?.terminated === true) resumeWorkflow(workflow, name);
  const rollouts = await findAppRollouts(target.cluster, name, namespace);
  if (isSuspended(workflow)) {
    resumeWorkflow(workflow, name);
    const messages = await unpauseRollouts(target.cluster, rollouts);
    return [...messages, await writeOperation(target.cluster, app, (current) => resumeWorkflow(current, name))];
  }
  const approved = await resumeRollouts(target.cluster, rollouts);
  if (approved.length > 0) return approved;
  // Neither: let the workflow operation explain why (not suspended, finished, terminated…).
  resumeWorkflow(workflow, name);
  return [];
}

async function terminate(target: Target, app: KubeObject, name: string): Promise<string[]> {
  return [await writeOperation(target.cluster, app, (workflow) => terminateWorkflow(workflow, name))];
}

async function restart(target: Target, app: KubeObject, name: string, step: string | undefined): Promise<string[]> {
  const input = applicationInputOf(app, target.deps.applicationCheck);
  const spec = (input.spec.workflow as WorkflowSpec | undefined) ?? {
    steps: (workflowOf(app)?.steps ?? []).map((entry) => ({ name: entry.name, type: entry.type })),
  };
  return [
    await writeOperation(target.cluster, app, (workflow) =>
      restartWorkflow(workflow, name, spec, step === undefined ? {} : { step }),
    ),
  ];
}

function runningError(name: string): VelaError {
  return new VelaError("E_WORKFLOW_RUNNING", `can not rollback application ${name}: its workflow is running`, {
    hint: `suspend it first: vela-ts workflow suspend ${name} && vela-ts workflow rollback ${name}`,
  });
}

/**
 * `workflow rollback [--revision N]` (DESIGN §6, KUBEVELA-REFERENCE §3.1, with vela-ts's fixes):
 * refused while the workflow actively runs; the target is the last succeeded revision (or N); the
 * canary route goes first so one write puts all traffic on stable; the Application gets the target's
 * spec with the *current* ops-only traits; its status takes the target's finished workflow, so the
 * workflow is not re-run and the target's manifests are re-applied by the next reconcile; the newer
 * unfinished revision is marked failed; a Rollout step state left at StepPaused is reset.
 */
async function rollback(
  target: Target,
  app: KubeObject,
  name: string,
  namespace: string,
  requested: number | undefined,
): Promise<string[]> {
  const workflow = workflowOf(app);
  if (isActivelyRunning(workflow)) throw runningError(name);
  const revisions = await listApplicationRevisions(target.cluster, name, namespace);
  const history = revisions.map(revisionRecordOf);
  const status = statusOf(app);
  const currentName =
    isJsonObject(status.latestRevision) && typeof status.latestRevision.name === "string"
      ? status.latestRevision.name
      : undefined;
  const chosen = selectRollbackTarget(name, history, currentName, requested);
  const revisionObject = revisions.find((object) => object.metadata.name === chosen.name);
  const stored = (revisionObject?.spec as JsonObject | undefined)?.application as unknown as
    ApplicationSnapshot | undefined;
  if (revisionObject === undefined || stored === undefined) {
    throw new VelaError("E_REVISION_NOT_FOUND", `revision ${chosen.name} of application ${name} has no stored spec`, {
      hint: `see vela-ts revision list ${name}`,
    });
  }

  const messages: string[] = [];
  const rollouts = await findAppRollouts(target.cluster, name, namespace);
  messages.push(...(await cancelRolloutTraffic(target.cluster, rollouts)));

  const isOpsOnly = (type: string): boolean => target.registry.findTrait(type)?.skipRevisionAffect === true;
  const annotations = { ...(stored.metadata.annotations ?? {}) };
  if (chosen.publishVersion !== undefined) annotations[ANNOTATION_PUBLISH_VERSION] = chosen.publishVersion;
  // A reconciler's status write between our read and this write is a 409: made again on the newer
  // object, keeping its current ops-only traits, unless its workflow started running meanwhile.
  const updated = await editApplicationSpec(target.cluster, app, (current) => {
    if (current !== app && isActivelyRunning(workflowOf(current))) throw runningError(name);
    const spec = mergeOpsOnlyTraits(stored.spec, (current.spec as JsonObject | undefined) ?? {}, isOpsOnly);
    const labels = {
      ...Object.fromEntries(
        Object.entries(current.metadata.labels ?? {}).filter(([key]) => key.startsWith("app.oam.dev/")),
      ),
      ...(stored.metadata.labels ?? {}),
    };
    return { ...current, metadata: { ...current.metadata, labels, annotations }, spec };
  });
  messages.push("Application spec rollback successfully.");

  if (
    currentName !== undefined &&
    currentName !== chosen.name &&
    !history.find((record) => record.name === currentName)?.succeeded
  ) {
    const rolledBack: WorkflowStatus | undefined =
      workflow === undefined ? undefined : { ...workflow, message: `rolled back to ${chosen.name}` };
    await markRevision(target.cluster, namespace, currentName, false, rolledBack);
  }
  const recorded = (revisionObject.status as JsonObject | undefined)?.workflow;
  const now = formatTimestamp(target.deps.clock.now());
  const restoredWorkflow: JsonObject = isJsonObject(recorded)
    ? cloneJson(recorded)
    : {
        appRevision: chosen.name,
        mode: "StepByStep-DAG",
        status: "succeeded",
        suspend: false,
        terminated: false,
        finished: true,
        startTime: now,
        endTime: now,
        steps: [],
        context: { vars: {}, steps: {} },
      };
  await editApplicationStatus(target.cluster, updated, (current) => ({
    ...cloneJson(statusOf(current)),
    latestRevision: { name: chosen.name, revision: chosen.number, revisionHash: chosen.hash },
    workflow: cloneJson(restoredWorkflow),
    services: [],
    rollback: { from: currentName ?? null, to: chosen.name, time: now },
  }));
  messages.push("Application status rollback successfully.");
  return messages;
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
    let messages: string[];
    switch (options.operation) {
      case "suspend":
        messages = await suspend(target, app, options.app, options.namespace);
        break;
      case "resume":
        messages = await resume(target, app, options.app, options.namespace);
        break;
      case "terminate":
        messages = await terminate(target, app, options.app);
        break;
      case "restart":
        messages = await restart(target, app, options.app, options.step);
        break;
      case "rollback":
        messages = await rollback(target, app, options.app, options.namespace, options.revision);
        break;
    }
    const drive = await driveOrHandOff(target, options.app, options.namespace, {
      wait: options.wait,
      sleep: options.sleep,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.progress === undefined ? {} : { progress: options.progress }),
    });
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
