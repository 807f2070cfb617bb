import type { Cluster } from "../cluster/cluster.js";
import { NotFoundError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { closestMatches } from "../util/index.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND, applicationRef } from "../reconciler/application-object.js";

/**
 * Reads an Application for a read or housekeeping command, or throws `E_APP_NOT_FOUND` with a hint
 * that helps: the namespace it lives in when `-n` is wrong, close names ("did you mean"), or how to
 * create it.
 */
export async function requireApplication(cluster: Cluster, name: string, namespace: string): Promise<KubeObject> {
  const app = await cluster.get(applicationRef(name, namespace));
  if (app !== undefined) return app;
  throw await applicationNotFound(cluster, name, namespace);
}

/** The not-found error for an app, with the most useful hint the cluster allows. */
export async function applicationNotFound(cluster: Cluster, name: string, namespace: string): Promise<NotFoundError> {
  const all = await cluster.list(APPLICATION_API_VERSION, APPLICATION_KIND);
  const elsewhere = all.filter((app) => app.metadata.name === name).map((app) => app.metadata.namespace ?? "default");
  const here = all
    .filter((app) => (app.metadata.namespace ?? "default") === namespace)
    .map((app) => app.metadata.name ?? "");
  const close = closestMatches(name, here);
  let hint: string;
  if (elsewhere.length > 0)
    hint = `it exists in namespace ${elsewhere.map((ns) => `"${ns}"`).join(", ")}; add -n ${elsewhere[0] ?? ""}`;
  else if (close.length > 0) hint = `did you mean ${close.map((candidate) => `"${candidate}"`).join(", ")}?`;
  else if (here.length > 0) hint = `applications in namespace "${namespace}": ${here.join(", ")}`;
  else hint = `there are no applications in namespace "${namespace}"; create one with: vela-ts up -f app.yaml`;
  return new NotFoundError("E_APP_NOT_FOUND", `application "${name}" not found in namespace "${namespace}"`, { hint });
}
