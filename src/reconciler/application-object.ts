import type { Cluster } from "../cluster/cluster.js";
import { ConflictError, NotFoundError } from "../errors/index.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import type { JsonObject } from "../util/index.js";

export const APPLICATION_API_VERSION = "core.oam.dev/v1beta1";
export const APPLICATION_KIND = "Application";

export function applicationRef(name: string, namespace: string): ObjectRef {
  return { apiVersion: APPLICATION_API_VERSION, kind: APPLICATION_KIND, name, namespace };
}

/** Reads an Application or throws a not-found error that says how to create it. */
export async function getApplication(cluster: Cluster, name: string, namespace: string): Promise<KubeObject> {
  const app = await cluster.get(applicationRef(name, namespace));
  if (app === undefined) {
    throw new NotFoundError("E_APP_NOT_FOUND", `application "${name}" not found in namespace "${namespace}"`, {
      hint: `create it with: vela-ts up -f app.yaml${namespace === "default" ? "" : ` -n ${namespace}`}`,
    });
  }
  return app;
}

export function statusOf(app: KubeObject): JsonObject {
  return (app.status as JsonObject | undefined) ?? {};
}

/**
 * A reconcile pass's status write met a newer Application (409): the pass must end and start again
 * from a fresh read. A `ConflictError`, so the controller's conflict requeue applies to it.
 */
export class StatusConflictError extends ConflictError {}

/**
 * The reconciler's status write: replaces the status (status subresource) of the Application as it
 * was read, with that read's resourceVersion as a precondition. A 409 is thrown, never retried: the
 * status was computed from the older read, and writing it over the newer object would undo what
 * was written in between — a person's `workflow suspend`, `terminate` or `resume`. As in KubeVela,
 * the pass ends on the conflict and the next pass starts from a fresh read (the controller requeues;
 * the CLI's drive runs the pass again). Returns the stored object.
 */
export async function saveApplicationStatus(
  cluster: Cluster,
  app: KubeObject,
  status: JsonObject,
): Promise<KubeObject> {
  try {
    return await cluster.updateStatus({ ...app, status });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    throw new StatusConflictError(`application ${app.metadata.name ?? ""} changed while it was reconciled`, {
      hint: "it is reconciled again from a fresh read",
      cause: error,
    });
  }
}

/** Attempts of {@link editApplicationStatus}, as client-go's `retry.DefaultRetry`. */
const EDIT_ATTEMPTS = 5;

/**
 * A person's spec write (`up`, `workflow rollback`): `edit` makes the new object from the stored
 * Application, written with its resourceVersion; on a 409 (a reconciler wrote status meanwhile) it
 * is read again and `edit` runs again on the newer object (`retry.RetryOnConflict`). `edit` may
 * throw when the change no longer applies. Returns the stored object.
 */
export async function editApplicationSpec(
  cluster: Cluster,
  app: KubeObject,
  edit: (current: KubeObject) => KubeObject,
): Promise<KubeObject> {
  let current = app;
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.update(edit(current));
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= EDIT_ATTEMPTS) throw error;
      current = await getApplication(cluster, app.metadata.name ?? "", app.metadata.namespace ?? "default");
    }
  }
}

/**
 * A person's status write (`workflow suspend|resume|terminate|restart|rollback`): `edit` computes the
 * new status from the Application, which is written with that object's resourceVersion; on a 409
 * the Application is read again and `edit` runs again on the newer object (client-go's
 * `retry.RetryOnConflict`), so the operation lands on what the reconciler wrote meanwhile instead of
 * replacing it. `edit` may throw when the operation no longer applies (the run finished meanwhile).
 * The first attempt edits `app` as given. Returns the stored object.
 */
export async function editApplicationStatus(
  cluster: Cluster,
  app: KubeObject,
  edit: (current: KubeObject) => JsonObject,
): Promise<KubeObject> {
  let current = app;
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.updateStatus({ ...current, status: edit(current) });
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= EDIT_ATTEMPTS) throw error;
      current = await getApplication(cluster, app.metadata.name ?? "", app.metadata.namespace ?? "default");
    }
  }
}
