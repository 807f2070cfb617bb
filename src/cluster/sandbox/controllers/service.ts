/**
 * What a real cluster gives a Service and an Ingress besides what the user wrote:
 *
 * - **ClusterIP allocation** (kube-apiserver's Service registry, `pkg/registry/core/service/storage`
 *   with `ipallocator` and `portallocator`): on create, a Service of type ClusterIP, NodePort or
 *   LoadBalancer without `spec.clusterIP` gets a free address of the service CIDR (10.96.0.0/12,
 *   kubeadm's default; 10.96.0.1 is the `kubernetes` Service) in `spec.clusterIP` and
 *   `spec.clusterIPs`; `clusterIP: None` (headless) and `type: ExternalName` get none. NodePort and
 *   LoadBalancer ports without `nodePort` get a free one in 30000–32767. On update the allocated
 *   values are kept (they are immutable; an update that leaves them out keeps them), so
 *   re-applying a Service never changes its address. A `clusterIP` or `nodePort` the user gives is
 *   refused when another Service holds it, or when it is outside the range, with the API server's
 *   422 message (`spec.ports[0].nodePort: Invalid value: 30080: provided port is already
 *   allocated`). What is taken is looked up in the store's allocation index (store/allocations.ts,
 *   the allocators' bitmaps of the API server), so a create never lists every Service; a value is
 *   free again once its Service is deleted or changed.
 * - **LoadBalancer addresses** (a cloud provider's service controller, or MetalLB on bare metal):
 *   a `type: LoadBalancer` Service gets `status.loadBalancer.ingress: [{ip}]` from 172.18.255.0/24.
 * - **Ingress status** (ingress-nginx's status sync, `internal/ingress/status`): every Ingress of
 *   the nginx class gets `status.loadBalancer.ingress` set to the ingress controller's address.
 *
 * Addresses come from a hash of the object's namespace and name, moved on past ones already taken,
 * so the same sandbox always gives the same answers.
 */
import { ClusterError } from "../../../errors/index.js";
import type { KubeObject, ObjectRef } from "../../../model/kube-object.js";
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../../util/index.js";
import type {
  ControllerView,
  KeyedReconciler,
  SimulatedAdmission,
  SimulatedController,
} from "../controller-contract.js";
import { reconcileEvery } from "./common/keyed.js";
import { arrayAt, stringAt } from "./common/fields.js";
import { fnv32a } from "./common/names.js";
import { allocationsOf, clusterIpAllocation, nodePortAllocation } from "../store/allocations.js";

/** The address the simulated ingress-nginx controller is reached at (its LoadBalancer Service). */
export const INGRESS_NGINX_ADDRESS = "172.18.255.200";

const SERVICE_CIDR_SIZE = 1 << 20; // 10.96.0.0/12
const NODE_PORT_BASE = 30000;
const NODE_PORT_COUNT = 2768; // 30000–32767

function isService(object: KubeObject): boolean {
  return object.apiVersion === "v1" && object.kind === "Service";
}

function serviceType(service: KubeObject): string {
  return stringAt(service, ["spec", "type"]) ?? "ClusterIP";
}

function clusterIpOf(offset: number): string {
  const address = (10 << 24) + (96 << 16) + offset;
  return [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join(".");
}

/** The first free value from the hash of `key`, probing on past taken ones (what an allocator's bitmap gives). */
function allocate<T>(
  key: string,
  size: number,
  first: number,
  value: (offset: number) => T,
  taken: (value: T) => boolean,
): T {
  const start = fnv32a(key) % size;
  for (let step = 0; step < size; step++) {
    const offset = (start + step) % size;
    if (offset < first) continue;
    const candidate = value(offset);
    if (!taken(candidate)) return candidate;
  }
  return value(first);
}

/**
 * Whether an allocation is held by a Service other than `service`: from the store's allocation
 * index, or, for a view without one, from every Service listed once.
 */
function takenByOthers(view: ControllerView, service: KubeObject): (allocation: string) => boolean {
  const isOther = (holder: ObjectRef | undefined): boolean =>
    holder !== undefined &&
    (holder.name !== service.metadata.name || (holder.namespace ?? "") !== (service.metadata.namespace ?? ""));
  if (view.allocatedTo !== undefined) return (allocation) => isOther(view.allocatedTo?.(allocation));
  let holders: Map<string, ObjectRef> | undefined;
  return (allocation) => {
    holders ??= new Map(
      view.list("v1", "Service").flatMap((other) =>
        (allocationsOf(other) ?? []).map((held): [string, ObjectRef] => [
          held,
          {
            apiVersion: "v1",
            kind: "Service",
            name: other.metadata.name ?? "",
            namespace: other.metadata.namespace ?? "",
          },
        ]),
      ),
    );
    return isOther(holders.get(allocation));
  };
}

function servicePorts(service: KubeObject): JsonObject[] {
  return arrayAt(service, ["spec", "ports"]).filter(isJsonObject);
}

/** The API server's 422 for a Service field (`Service "web" is invalid: <field>: Invalid value: …`). */
function invalid(service: KubeObject, path: string, field: string, detail: string, hint: string): ClusterError {
  return new ClusterError(
    "E_INVALID_OBJECT",
    `Service "${service.metadata.name ?? ""}" is invalid: ${field}: ${detail}`,
    {
      path,
      hint,
    },
  );
}

/** Whether `address` is an IPv4 address in the service CIDR (10.96.0.0/12). */
function inServiceCidr(address: string): boolean {
  const octets = address.split(".").map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) return false;
  return octets[0] === 10 && (octets[1] ?? 0) >= 96 && (octets[1] ?? 0) <= 111;
}

/** Refuses a cluster IP the user gave that is outside the range or held by another Service (new values only). */
function checkGivenClusterIp(service: KubeObject, address: string, taken: (allocation: string) => boolean): void {
  const field = "spec.clusterIPs";
  const shown = `Invalid value: []string{${JSON.stringify(address)}}: failed to allocate IP ${address}`;
  const hint = "leave spec.clusterIP out to have a free address allocated";
  if (!inServiceCidr(address))
    throw invalid(
      service,
      "/spec/clusterIP",
      field,
      `${shown}: the provided IP (${address}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
      hint,
    );
  if (taken(clusterIpAllocation(address)))
    throw invalid(service, "/spec/clusterIP", field, `${shown}: provided IP is already allocated`, hint);
}

/** Refuses a node port the user gave that is outside the range, given twice, or held by another Service. */
function checkGivenNodePort(
  service: KubeObject,
  index: number,
  port: JsonObject,
  nodePort: number,
  claimed: Set<string>,
  taken: (allocation: string) => boolean,
): void {
  const field = `spec.ports[${index}].nodePort`;
  const path = `/spec/ports/${index}/nodePort`;
  const hint = "pick another nodePort, or leave it out to have a free one allocated";
  if (!Number.isInteger(nodePort) || nodePort < NODE_PORT_BASE || nodePort >= NODE_PORT_BASE + NODE_PORT_COUNT)
    throw invalid(
      service,
      path,
      field,
      `Invalid value: ${nodePort}: provided port is not in the valid range. The range of valid ports is 30000-32767`,
      hint,
    );
  const protocol = typeof port.protocol === "string" ? port.protocol : "TCP";
  if (claimed.has(`${nodePort}/${protocol}`)) throw invalid(service, path, field, `Duplicate value: ${nodePort}`, hint);
  claimed.add(`${nodePort}/${protocol}`);
  if (taken(nodePortAllocation(nodePort)))
    throw invalid(service, path, field, `Invalid value: ${nodePort}: provided port is already allocated`, hint);
}

/** Fills `spec.clusterIP(s)` and node ports of a Service being created or updated (values of `existing` kept). */
function allocateServiceFields(
  incoming: KubeObject,
  existing: KubeObject | undefined,
  view: ControllerView,
): KubeObject {
  const type = serviceType(incoming);
  if (type === "ExternalName") return incoming;
  const spec: JsonObject = isJsonObject(incoming.spec) ? { ...incoming.spec } : {};
  const key = `${incoming.metadata.namespace ?? "default"}/${incoming.metadata.name ?? ""}`;
  const taken = takenByOthers(view, incoming);
  const held = new Set(existing === undefined ? [] : (allocationsOf(existing) ?? []));
  const kept = existing === undefined ? undefined : stringAt(existing, ["spec", "clusterIP"]);
  const given = typeof spec.clusterIP === "string" && spec.clusterIP !== "" ? spec.clusterIP : undefined;
  // On update a changed cluster IP is refused as immutable (immutable-fields.ts), not allocated.
  if (existing === undefined && given !== undefined && given !== "None") checkGivenClusterIp(incoming, given, taken);
  let clusterIP = given ?? kept;
  clusterIP ??= allocate(key, SERVICE_CIDR_SIZE, 2, clusterIpOf, (address) => taken(clusterIpAllocation(address)));
  spec.clusterIP = clusterIP;
  if (clusterIP !== "None" && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [clusterIP];
  if (type === "NodePort" || type === "LoadBalancer") {
    const existingPorts = existing === undefined ? [] : servicePorts(existing);
    const claimed = new Set<string>();
    const allocated = new Set<number>();
    spec.ports = servicePorts(incoming).map((port, index): JsonValue => {
      if (typeof port.nodePort === "number") {
        if (!held.has(nodePortAllocation(port.nodePort)))
          checkGivenNodePort(incoming, index, port, port.nodePort, claimed, taken);
        allocated.add(port.nodePort);
        return port;
      }
      const previous = existingPorts.find(
        (candidate) => candidate.port === port.port && (candidate.name ?? "") === (port.name ?? ""),
      )?.nodePort;
      const nodePort =
        typeof previous === "number"
          ? previous
          : allocate(
              `${key}#${index}`,
              NODE_PORT_COUNT,
              0,
              (offset) => NODE_PORT_BASE + offset,
              (candidate) => allocated.has(candidate) || taken(nodePortAllocation(candidate)),
            );
      allocated.add(nodePort);
      return { ...port, nodePort };
    });
  }
  return jsonEqual(spec, incoming.spec) ? incoming : { ...incoming, spec };
}

/** The Service registry's allocation on create and update (core, always on). */
export const serviceAllocationAdmission: SimulatedAdmission = {
  name: "service-ip-allocation",
  admit(_operation, incoming, existing, view) {
    return isService(incoming) ? allocateServiceFields(incoming, existing, view) : incoming;
  },
};

function loadBalancerIp(service: KubeObject): string {
  const hash = fnv32a(`${service.metadata.namespace ?? "default"}/${service.metadata.name ?? ""}`);
  return `172.18.255.${10 + (hash % 180)}`;
}

function withLoadBalancerStatus(object: KubeObject, ip: string): KubeObject | undefined {
  const status: JsonObject = isJsonObject(object.status) ? { ...object.status } : {};
  const wanted = { ingress: [{ ip }] };
  if (jsonEqual(status.loadBalancer, wanted)) return undefined;
  return { ...object, status: { ...status, loadBalancer: wanted } };
}

const SERVICE = { apiVersion: "v1", kind: "Service" } as const;
const INGRESS = { apiVersion: "networking.k8s.io/v1", kind: "Ingress" } as const;

const loadBalancerReconciler: KeyedReconciler = {
  primaries: [SERVICE],
  watches: [{ ...SERVICE, mapTo: "self" }],
  reconcileObject(service) {
    if (serviceType(service) !== "LoadBalancer" || service.metadata.deletionTimestamp !== undefined) return [];
    const updated = withLoadBalancerStatus(service, loadBalancerIp(service));
    return updated === undefined ? [] : [{ op: "updateStatus", object: updated }];
  },
};

/** A load-balancer provider: addresses for `type: LoadBalancer` Services (core, always on). */
export const serviceLoadBalancerController: SimulatedController = {
  name: "service-load-balancer",
  keyed: loadBalancerReconciler,
  reconcile: (view, env) => reconcileEvery(loadBalancerReconciler, view, env),
};

function isNginxIngress(ingress: KubeObject): boolean {
  const className =
    stringAt(ingress, ["spec", "ingressClassName"]) ?? ingress.metadata.annotations?.["kubernetes.io/ingress.class"];
  return className === undefined || className === "nginx";
}

const ingressStatusReconciler: KeyedReconciler = {
  primaries: [INGRESS],
  watches: [{ ...INGRESS, mapTo: "self" }],
  reconcileObject(ingress) {
    if (!isNginxIngress(ingress) || ingress.metadata.deletionTimestamp !== undefined) return [];
    const updated = withLoadBalancerStatus(ingress, INGRESS_NGINX_ADDRESS);
    return updated === undefined ? [] : [{ op: "updateStatus", object: updated }];
  },
};

/** ingress-nginx's status sync: nginx-class Ingresses get the controller's address (addon ingress-nginx). */
export const ingressNginxStatusController: SimulatedController = {
  name: "ingress-nginx-status",
  addon: "ingress-nginx",
  keyed: ingressStatusReconciler,
  reconcile: (view, env) => reconcileEvery(ingressStatusReconciler, view, env),
};
