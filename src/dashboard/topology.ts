import type { ComponentResources, ResourceTreeNode, StatusService } from "../operations/index.js";
import type { NodeHealth, TopologyNode } from "./api-types.js";

/**
 * The resource topology as VelaUX draws it: the Application, its components, the objects each
 * component's ResourceTrackers hold, and what those own (ReplicaSets, pods, a Rollout's canary
 * workload). ReplicaSets and pods of a canary are marked stable or canary by their revision hash.
 */

/** The revision hashes of the app's canaries: which pods are stable and which canary. */
export interface CanarySides {
  readonly canary: readonly string[];
  readonly stable: readonly string[];
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "CloneSet", "ReplicaSet", "DaemonSet"]);

/** Health from the one-line status `status --tree` prints beside an object. */
export function healthOfNode(node: Pick<ResourceTreeNode, "kind" | "status" | "missing">): NodeHealth {
  if (node.missing) return "missing";
  const status = node.status;
  if (status === "Terminating") return "progressing";
  if (node.kind === "Pod") {
    if (status.startsWith("Running, ready") || status.startsWith("Succeeded")) return "healthy";
    return status.startsWith("Failed") ? "unhealthy" : "progressing";
  }
  if (WORKLOAD_KINDS.has(node.kind)) {
    const ready = /^ready (\d+)\/(\d+)/.exec(status);
    return ready !== null && ready[1] === ready[2] ? "healthy" : "progressing";
  }
  if (node.kind === "Rollout") {
    if (status.startsWith("Healthy")) return "healthy";
    return status.startsWith("Progressing") || status.startsWith("Initial") ? "progressing" : "unknown";
  }
  if (status === "Ready") return "healthy";
  if (status.startsWith("not ready")) return "progressing";
  if (status === "Failed" || status === "False") return "unhealthy";
  return "unknown";
}

/** Health of the Application from its `status.status`. */
export function healthOfPhase(phase: string): NodeHealth {
  if (phase === "running") return "healthy";
  if (phase === "workflowFailed" || phase === "workflowTerminated" || phase === "unhealthy") return "unhealthy";
  return "progressing";
}

function sideOf(node: ResourceTreeNode, sides: CanarySides): "canary" | "stable" | undefined {
  if (node.kind !== "Pod" && node.kind !== "ReplicaSet") return undefined;
  const owns = (hash: string): boolean => node.name.endsWith(`-${hash}`) || node.name.includes(`-${hash}-`);
  if (sides.canary.some(owns)) return "canary";
  if (sides.stable.some(owns)) return "stable";
  return undefined;
}

function resourceNode(node: ResourceTreeNode, sides: CanarySides, namespace: string): TopologyNode {
  const side = sideOf(node, sides);
  return {
    id: `${node.kind}/${node.namespace ?? namespace}/${node.name}`,
    kind: node.kind,
    name: node.name,
    ...(node.namespace === undefined ? {} : { namespace: node.namespace }),
    apiVersion: node.apiVersion,
    status: node.status,
    health: healthOfNode(node),
    ...(side === undefined ? {} : { side }),
    children: node.children.map((child) => resourceNode(child, sides, namespace)),
  };
}

function componentNode(
  component: ComponentResources,
  service: StatusService | undefined,
  namespace: string,
  sides: CanarySides,
): TopologyNode {
  const name = component.component === "" ? "(no component)" : component.component;
  const status =
    service === undefined
      ? ""
      : `${service.type === undefined ? "" : `${service.type}, `}${service.healthy ? "healthy" : "not healthy yet"}`;
  return {
    id: `Component/${namespace}/${name}`,
    kind: "Component",
    name,
    namespace,
    status,
    health: service === undefined ? "unknown" : service.healthy ? "healthy" : "progressing",
    children: component.resources.map((node) => resourceNode(node, sides, namespace)),
  };
}

/** The topology tree of an app, rooted at its Application. */
export function buildTopology(
  app: { readonly name: string; readonly namespace: string; readonly phase: string },
  tree: readonly ComponentResources[],
  services: readonly StatusService[],
  sides: CanarySides,
): TopologyNode {
  const byName = new Map(services.map((service) => [service.name, service]));
  // Components without tracked resources yet still appear, so a fresh release shows its shape.
  const components = [
    ...tree,
    ...services
      .filter((service) => !tree.some((entry) => entry.component === service.name))
      .map((service) => ({ component: service.name, resources: [] })),
  ];
  return {
    id: `Application/${app.namespace}/${app.name}`,
    kind: "Application",
    name: app.name,
    namespace: app.namespace,
    apiVersion: "core.oam.dev/v1beta1",
    status: app.phase,
    health: healthOfPhase(app.phase),
    children: components.map((component) =>
      componentNode(component, byName.get(component.component), app.namespace, sides),
    ),
  };
}
