import type { RevisionSummary, StatusView } from "../operations/index.js";
import type { ActionState, ActionStates } from "./api-types.js";

/**
 * Which release buttons can be pressed now and what each would do, worked out from the app's status
 * the way `vela-ts workflow …` decides (the server still lets the operation itself refuse).
 */

function command(operation: string, view: Pick<StatusView, "name" | "namespace">, extra = ""): string {
  const namespace = view.namespace === "default" ? "" : ` -n ${view.namespace}`;
  return `vela-ts workflow ${operation} ${view.name}${namespace}${extra}`;
}

function state(enabled: boolean, label: string, description: string, cli: string): ActionState {
  return { enabled, label, description, command: cli };
}

function resumeState(view: StatusView): ActionState {
  const workflow = view.workflow;
  const cli = command("resume", view);
  if (workflow?.terminated === true)
    return state(false, "Resume", "the workflow was terminated: restart it to run it again", cli);
  if (workflow?.suspend === true) {
    const paused = view.canaries.filter((canary) => canary.inProgress && canary.paused);
    const rollouts = paused.length === 0 ? "" : ` and unpause Rollout ${paused.map((c) => c.rollout).join(", ")}`;
    return state(true, "Resume", `resume the suspended workflow${rollouts}`, cli);
  }
  // Any step paused may be approved, a timed one before its time is up (as kubectl-kruise rollout approve).
  const waiting = view.canaries.find(
    (canary) => canary.inProgress && (canary.waitingForApproval || canary.paused || canary.resumesAt !== undefined),
  );
  if (waiting !== undefined) {
    if (waiting.paused) return state(true, "Resume", `unpause Rollout ${waiting.rollout}`, cli);
    const next = waiting.step + 1;
    const what = next > waiting.steps ? "finish the release" : `go on to step ${next}/${waiting.steps}`;
    const early = waiting.waitingForApproval ? "" : " now, before its timed pause ends";
    return state(
      true,
      "Approve",
      `approve step ${waiting.step}/${waiting.steps} of Rollout ${waiting.rollout}${early}: ${what}`,
      cli,
    );
  }
  return state(false, "Approve", "nothing waits for a person", cli);
}

function runningState(view: StatusView, operation: "suspend" | "terminate", label: string, does: string): ActionState {
  const workflow = view.workflow;
  const cli = command(operation, view);
  if (workflow === undefined) return state(false, label, "the workflow has not started", cli);
  if (workflow.terminated) return state(false, label, "the workflow was terminated", cli);
  if (workflow.finished) return state(false, label, `the workflow finished (${workflow.status})`, cli);
  if (operation === "suspend" && workflow.suspend) return state(false, label, "the workflow is suspended already", cli);
  return state(true, label, does, cli);
}

function rollbackState(view: StatusView, revisions: readonly RevisionSummary[]): ActionStates["rollback"] {
  const currentNumber = revisions.find((revision) => revision.current)?.number ?? view.revision?.number;
  const targets = revisions
    .filter((revision) => !revision.current)
    .sort((a, b) => b.number - a.number)
    .map((revision) => ({
      number: revision.number,
      name: revision.name,
      ...(revision.publishVersion === undefined ? {} : { publishVersion: revision.publishVersion }),
      status: revision.status,
    }));
  const defaultTarget = revisions
    .filter((revision) => revision.succeeded && (currentNumber === undefined || revision.number < currentNumber))
    .sort((a, b) => b.number - a.number)[0];
  const workflow = view.workflow;
  const suspendsFirst =
    workflow !== undefined && !workflow.terminated && !workflow.suspend && !workflow.finished && targets.length > 0;
  const cli = suspendsFirst ? `${command("suspend", view)} && ${command("rollback", view)}` : command("rollback", view);
  const first = suspendsFirst ? "suspend the running workflow, then " : "";
  const description =
    targets.length === 0
      ? "no other revision to go back to"
      : `${first}go back to ${defaultTarget?.name ?? "the chosen revision"}: traffic back to stable first, the old pods kept`;
  return {
    ...state(targets.length > 0, "Roll back", description, cli),
    targets,
    ...(defaultTarget === undefined ? {} : { defaultTarget: defaultTarget.number }),
    suspendsFirst,
  };
}

/** The release buttons of an app. */
export function actionStatesOf(view: StatusView, revisions: readonly RevisionSummary[]): ActionStates {
  return {
    resume: resumeState(view),
    suspend: runningState(
      view,
      "suspend",
      "Suspend",
      "suspend the workflow and pause in-flight Rollouts where they are",
    ),
    rollback: rollbackState(view, revisions),
    terminate: runningState(view, "terminate", "Terminate", "stop the workflow for good (until restart)"),
    restart: state(
      view.workflow !== undefined,
      "Restart",
      view.workflow === undefined ? "the workflow has not started" : "run the workflow again from the first step",
      command("restart", view),
    ),
  };
}
