import { runWorkflowCommand, up, type TargetOptions, type WorkflowCommandResult } from "../operations/index.js";
import { ValidationError, VelaError } from "../errors/index.js";
import type { ActionName, ActionRequest, ActionResult, ApiError, DeployResult } from "./api-types.js";
import type { AppKey } from "./cluster-reader.js";

/**
 * The release buttons: each runs the operation of the matching `vela-ts workflow …` command (and
 * "Deploy" the one of `vela-ts up -f`), with its result shown on the page. Nothing waits: the
 * operation is written, the app is driven to its next fixed point, and the page follows the rest live.
 */

/** An error as the API reports it. */
export function apiErrorOf(error: unknown): ApiError {
  if (error instanceof ValidationError && error.issues.length > 1) {
    return {
      code: error.code,
      message: error.message,
      issues: error.issues.map((issue) => ({
        code: issue.code,
        message: issue.message,
        ...(issue.hint === undefined ? {} : { hint: issue.hint }),
        ...(issue.path === undefined ? {} : { path: issue.path }),
        ...(issue.source === undefined ? {} : { source: issue.source }),
      })),
    };
  }
  if (error instanceof VelaError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.path === undefined ? {} : { path: error.path }),
      ...(error.source === undefined ? {} : { source: error.source }),
    };
  }
  return { code: "E_INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

/** The HTTP status of a failed operation. */
export function httpStatusOf(error: unknown): number {
  if (!(error instanceof VelaError)) return 500;
  if (error.category === "unreachable" || error.code === "E_SANDBOX_LOCKED") return 503;
  if (error.category === "internal") return 500;
  if (error.code === "E_DASHBOARD_BAD_REQUEST") return 400;
  if (error.code === "E_DASHBOARD_BODY_TOO_LARGE") return 413;
  if (error instanceof ValidationError) return 422;
  if (error.code.endsWith("NOT_FOUND")) return 404;
  return 409;
}

const noSleep = (): Promise<void> => Promise.resolve();

async function workflowCommand(
  target: TargetOptions,
  key: AppKey,
  operation: ActionName,
  request: ActionRequest,
): Promise<WorkflowCommandResult> {
  return runWorkflowCommand({
    ...target,
    command: `vela-ts dashboard: workflow ${operation} ${key.name}`,
    operation,
    app: key.name,
    namespace: key.namespace,
    wait: false,
    sleep: noSleep,
    ...(operation === "rollback" && request.revision !== undefined ? { revision: request.revision } : {}),
    ...(operation === "restart" && request.step !== undefined ? { step: request.step } : {}),
  });
}

/**
 * Runs a release button's operation. Rolling back a running release suspends it first, as the
 * CLI's hint says (`vela-ts workflow suspend <app> && vela-ts workflow rollback <app>`); the page's
 * confirmation says so before.
 */
export async function runAction(
  target: TargetOptions,
  key: AppKey,
  operation: ActionName,
  request: ActionRequest,
): Promise<ActionResult> {
  const messages: string[] = [];
  let result: WorkflowCommandResult;
  try {
    result = await workflowCommand(target, key, operation, request);
  } catch (error) {
    if (!(operation === "rollback" && error instanceof VelaError && error.code === "E_WORKFLOW_RUNNING")) throw error;
    messages.push(...(await workflowCommand(target, key, "suspend", {})).messages);
    result = await workflowCommand(target, key, "rollback", request);
  }
  return {
    ok: true,
    messages: [...messages, ...result.messages],
    stop: result.drive.stop,
    ...(result.drive.waitingFor === undefined ? {} : { waitingFor: result.drive.waitingFor }),
  };
}

/** The "Deploy" button: `vela-ts up -f` with the editor's YAML. */
export async function deployApplications(target: TargetOptions, yaml: string): Promise<DeployResult> {
  const result = await up({
    ...target,
    command: "vela-ts dashboard: up",
    text: yaml,
    file: "dashboard editor",
    wait: false,
    sleep: noSleep,
  });
  return {
    ok: true,
    applications: result.applications.map((app) => {
      const revision = (app.drive.outcome.app.status as { latestRevision?: { name?: unknown } } | undefined)
        ?.latestRevision?.name;
      return {
        name: app.name,
        namespace: app.namespace,
        created: app.created,
        ...(typeof revision === "string" ? { revision } : {}),
        stop: app.drive.stop,
      };
    }),
  };
}
