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
 * Writes `status` to the Application (status subresource) with optimistic concurrency; on a
 * conflict it re-reads the object and writes again (status is owned by the reconciler alone, so
 * the newest spec with our status is the right result). Returns the stored object.
 */
export async function saveApplicationStatus(cluster: Cluster, app: KubeObject, status: JsonObject, attempts = 5): Promise<KubeObject> {
  let current = app;
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.updateStatus({ ...current, status });
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
      const latest = await cluster.get({ apiVersion: app.apiVersion, kind: app.kind, name: app.metadata.name ?? "", ...(app.metadata.namespace === undefined ? {} : { namespace: app.metadata.namespace }) });
      if (latest === undefined) throw error;
      current = latest;
    }
  }
}
