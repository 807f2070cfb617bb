import { stringify } from "yaml";
import { NotFoundError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { unifiedDiff } from "../revision/index.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import type { WorkflowStatus } from "../workflow/index.js";
import { requireApplication } from "./app-lookup.js";
import { statusOf } from "../reconciler/application-object.js";
import { listApplicationRevisions, revisionRecordOf } from "../reconciler/revision-objects.js";
import { withTarget, type Target, type TargetOptions } from "../target/target.js";

/** KubeVela's revision STATUS column (`vela revision list`). */
export type RevisionRunStatus = "Succeeded" | "Failed" | "Executing" | "NotStart";

/** One row of `vela-ts revision list <app>`. */
export interface RevisionSummary {
  readonly name: string;
  readonly number: number;
  readonly publishVersion?: string;
  readonly succeeded: boolean;
  readonly hash: string;
  /** When the revision was made. */
  readonly beginTime?: string;
  readonly status: RevisionRunStatus;
  /** The revision the Application runs now (`status.latestRevision`). */
  readonly current: boolean;
  /** The ops-only traits in effect when it was made, by component. */
  readonly opsOnlyTraits: Readonly<Record<string, readonly JsonValue[]>>;
}

/** Options of {@link listRevisions}. */
export interface RevisionListOptions extends TargetOptions {
  readonly app: string;
  /** @default "default" */
  readonly namespace?: string;
}

/** Options of {@link getRevision}. */
export interface RevisionGetOptions extends RevisionListOptions {
  /** The revision number (`2` for `<app>-v2`). */
  readonly revision: number;
  /** `--diff M`: also diff this revision's stored application against revision M's. */
  readonly diffWith?: number;
}

/** What `revision get` returns: the stored ApplicationRevision and, with `diffWith`, a unified diff. */
export interface RevisionGetResult {
  readonly revision: KubeObject;
  readonly summary: RevisionSummary;
  /** Unified diff from revision `diffWith` to `revision` (empty when the stored applications are equal). */
  readonly diff?: string;
}

function workflowOf(object: KubeObject): WorkflowStatus | undefined {
  const workflow = statusOf(object).workflow;
  // Lenient on purpose: only `appRevision`, `status` and `finished` are read here, and a revision
  // written by KubeVela or an older vela-ts may hold a partial run status.
  return isJsonObject(workflow) ? (workflow as unknown as WorkflowStatus) : undefined;
}

/**
 * The run status of a revision: its recorded outcome, or — for the revision the app runs now —
 * the live workflow's state (KubeVela: Succeeded | Failed | Executing | NotStart).
 */
export function revisionRunStatus(revision: KubeObject, app: KubeObject): RevisionRunStatus {
  if (statusOf(revision).succeeded === true) return "Succeeded";
  const name = revision.metadata.name ?? "";
  const live = workflowOf(app);
  if (live !== undefined && live.appRevision === name) {
    if (live.status === "failed" || live.status === "terminated") return "Failed";
    return live.finished
      ? live.status === "succeeded" || live.status === "skipped"
        ? "Succeeded"
        : "Failed"
      : "Executing";
  }
  // A run that was superseded (a newer revision, or a rollback) before it succeeded.
  return workflowOf(revision) === undefined ? "NotStart" : "Failed";
}

function summaryOf(revision: KubeObject, app: KubeObject): RevisionSummary {
  const record = revisionRecordOf(revision);
  const latest = statusOf(app).latestRevision;
  const ops = (revision.spec as JsonObject | undefined)?.opsOnlyTraits;
  return {
    name: record.name,
    number: record.number,
    ...(record.publishVersion === undefined ? {} : { publishVersion: record.publishVersion }),
    succeeded: record.succeeded,
    hash: record.hash,
    ...(record.createdAt === undefined ? {} : { beginTime: record.createdAt }),
    status: revisionRunStatus(revision, app),
    current: isJsonObject(latest) && latest.name === record.name,
    opsOnlyTraits: isJsonObject(ops) ? (ops as Record<string, JsonValue[]>) : {},
  };
}

/** `vela-ts revision list <app>`: every stored revision, oldest first. Read-only. */
export async function listRevisions(
  options: RevisionListOptions,
): Promise<{ readonly app: string; readonly namespace: string; readonly revisions: readonly RevisionSummary[] }> {
  const namespace = options.namespace ?? "default";
  return withTarget(options, async (target) => ({
    app: options.app,
    namespace,
    revisions: await readRevisionSummaries(target, options.app, namespace),
  }));
}

/** {@link listRevisions} on a target the caller has opened (and closes): every stored revision, oldest first. */
export async function readRevisionSummaries(
  target: Target,
  app: string,
  namespace: string,
): Promise<RevisionSummary[]> {
  const application = await requireApplication(target.cluster, app, namespace);
  const revisions = await listApplicationRevisions(target.cluster, app, namespace);
  return revisions.map((revision) => summaryOf(revision, application));
}

function findRevision(revisions: readonly KubeObject[], app: string, number: number): KubeObject {
  const found = revisions.find((revision) => revisionRecordOf(revision).number === number);
  if (found !== undefined) return found;
  const known = revisions.map((revision) => revisionRecordOf(revision).number);
  throw new NotFoundError("E_REVISION_NOT_FOUND", `application ${app} has no revision ${number}`, {
    hint:
      known.length === 0
        ? `application ${app} has no revisions yet; create one with: vela-ts up -f app.yaml`
        : `known revisions: ${known.join(", ")} (see vela-ts revision list ${app})`,
  });
}

/** The stored Application snapshot of a revision as YAML (what `--diff` compares). */
function storedApplicationYaml(revision: KubeObject): string {
  const application = (revision.spec as JsonObject | undefined)?.application;
  return stringify(application ?? {}, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Without server bookkeeping, as `-o yaml` prints it. */
function printable(object: KubeObject): KubeObject {
  const { managedFields: _managedFields, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** `vela-ts revision get <app> N [--diff M]`: the stored snapshot, and optionally what changed from M. Read-only. */
export async function getRevision(options: RevisionGetOptions): Promise<RevisionGetResult> {
  const namespace = options.namespace ?? "default";
  return withTarget(options, async (target) => {
    const app = await requireApplication(target.cluster, options.app, namespace);
    const revisions = await listApplicationRevisions(target.cluster, options.app, namespace);
    const revision = findRevision(revisions, options.app, options.revision);
    let diff: string | undefined;
    if (options.diffWith !== undefined) {
      const other = findRevision(revisions, options.app, options.diffWith);
      diff = unifiedDiff(storedApplicationYaml(other), storedApplicationYaml(revision), {
        before: other.metadata.name ?? "",
        after: revision.metadata.name ?? "",
      });
    }
    return {
      revision: printable(revision),
      summary: summaryOf(revision, app),
      ...(diff === undefined ? {} : { diff }),
    };
  });
}
