import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerView } from "../controller-contract.js";
import { stringMapAt } from "../controllers/common/fields.js";
import { isPodReady } from "../controllers/common/pods.js";
import { matchesMapSelector } from "../controllers/common/selectors.js";
import type { Endpoints } from "./types.js";

/**
 * The ready endpoints of a Service, as the EndpointSlice controller would list them: pods in the
 * Service's namespace matched by its selector, Ready and not being deleted; `extraLabels` narrows
 * further (an Istio subset). Sorted by name so a seeded choice is stable.
 */
export function readyEndpoints(
  view: ControllerView,
  namespace: string,
  serviceName: string,
  extraLabels: Readonly<Record<string, string>> = {},
  podCache?: Map<string, readonly KubeObject[]>,
): Endpoints {
  const service = view.get({ apiVersion: "v1", kind: "Service", name: serviceName, namespace });
  if (service === undefined) return { service, pods: [] };
  const selector = stringMapAt(service, ["spec", "selector"]);
  let pods = podCache?.get(namespace);
  if (pods === undefined) {
    pods = view.list("v1", "Pod", { namespace });
    podCache?.set(namespace, pods);
  }
  const ready = pods
    .filter((pod) => isPodReady(pod) && matchesMapSelector(pod.metadata.labels ?? {}, selector))
    .filter((pod) => Object.entries(extraLabels).every(([key, value]) => pod.metadata.labels?.[key] === value))
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  return { service, pods: ready };
}
