import type { KubeObject } from "../model/index.js";
import { LABEL_APP_NAME, ANNOTATION_PUBLISH_VERSION } from "../model/labels.js";
import type { JsonObject } from "../util/index.js";
import type { AppSummary, CanarySummary } from "./api-types.js";
import { fieldAt, latestTime, numberOf, objectsOf, optional, textOf } from "./fields.js";
import { isRolloutWaitingForApproval } from "../operations/index.js";
import { canaryStepsOf } from "./rollout-fields.js";

/**
 * The application list (VelaUX's application cards, `vela ls`): one row per Application from its
 * stored status and its Rollouts' status alone, so a list of thousands reads two lists and no pods.
 */

function workflowSummary(status: JsonObject): AppSummary["workflow"] {
  const workflow = fieldAt(status, "workflow");
  const workflowStatus = textOf(fieldAt(workflow, "status"));
  if (workflowStatus === undefined) return undefined;
  const steps = objectsOf(fieldAt(workflow, "steps"));
  const current = steps.find((step) => step.phase === "running" || step.phase === "suspending");
  return {
    status: workflowStatus,
    suspend: fieldAt(workflow, "suspend") === true,
    terminated: fieldAt(workflow, "terminated") === true,
    finished: fieldAt(workflow, "finished") === true,
    ...optional("currentStep", textOf(current?.name)),
    ...optional("message", textOf(fieldAt(workflow, "message"))),
  };
}

/** Where a Rollout stands, from its status only. */
export function canarySummaryOf(rollout: KubeObject): CanarySummary {
  const canary = fieldAt(rollout, "status", "canaryStatus");
  const step = numberOf(fieldAt(canary, "currentStepIndex")) ?? 0;
  const steps = canaryStepsOf(rollout);
  const weight = step > 0 ? steps[step - 1]?.weight : undefined;
  return {
    rollout: rollout.metadata.name ?? "",
    inProgress: textOf(fieldAt(rollout, "status", "phase")) === "Progressing",
    step,
    steps: steps.length,
    ...optional("weight", weight),
    ...optional("state", textOf(fieldAt(canary, "currentStepState"))),
    paused: fieldAt(rollout, "spec", "strategy", "paused") === true,
    waitingForApproval: isRolloutWaitingForApproval(rollout),
  };
}

function stepTimes(status: JsonObject): (string | undefined)[] {
  return objectsOf(fieldAt(status, "workflow", "steps")).flatMap((step) => [
    textOf(step.lastExecuteTime),
    textOf(step.firstExecuteTime),
  ]);
}

function summaryOf(app: KubeObject, rollouts: readonly KubeObject[]): AppSummary {
  const status = (app.status as JsonObject | undefined) ?? {};
  const latest = fieldAt(status, "latestRevision");
  const revisionName = textOf(fieldAt(latest, "name"));
  const publishVersion = app.metadata.annotations?.[ANNOTATION_PUBLISH_VERSION];
  const workflow = workflowSummary(status);
  const services = objectsOf(status.services);
  const canaries = rollouts.map(canarySummaryOf);
  const failed = workflow !== undefined && (workflow.status === "failed" || workflow.status === "terminated");
  const waiting = workflow?.suspend === true || canaries.some((canary) => canary.waitingForApproval);
  const lastChange = latestTime([
    app.metadata.creationTimestamp,
    textOf(fieldAt(status, "workflow", "startTime")),
    textOf(fieldAt(status, "workflow", "endTime")),
    textOf(fieldAt(status, "rollback", "time")),
    ...stepTimes(status),
    ...rollouts.map((rollout) => textOf(fieldAt(rollout, "status", "canaryStatus", "lastUpdateTime"))),
  ]);
  return {
    name: app.metadata.name ?? "",
    namespace: app.metadata.namespace ?? "default",
    phase: textOf(status.status) ?? "starting",
    ...(revisionName === undefined
      ? {}
      : {
          revision: {
            name: revisionName,
            number: numberOf(fieldAt(latest, "revision")) ?? Number(/-v(\d+)$/.exec(revisionName)?.[1] ?? 0),
            ...optional("publishVersion", publishVersion),
          },
        }),
    ...optional("workflow", workflow),
    canaries,
    ...optional("lastChange", lastChange),
    healthy: services.length > 0 && services.every((service) => service.healthy === true),
    ...(failed ? { attention: "failed" as const } : waiting ? { attention: "waiting-for-person" as const } : {}),
  };
}

/** One row per Application, sorted by namespace and name; Rollouts join their app by the `app.oam.dev/name` label. */
export function summarizeApplications(apps: readonly KubeObject[], rollouts: readonly KubeObject[]): AppSummary[] {
  const byApp = new Map<string, KubeObject[]>();
  for (const rollout of rollouts) {
    const app = rollout.metadata.labels?.[LABEL_APP_NAME];
    if (app === undefined) continue;
    const key = `${rollout.metadata.namespace ?? "default"}/${app}`;
    byApp.set(key, [...(byApp.get(key) ?? []), rollout]);
  }
  return apps
    .map((app) => summaryOf(app, byApp.get(`${app.metadata.namespace ?? "default"}/${app.metadata.name ?? ""}`) ?? []))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
