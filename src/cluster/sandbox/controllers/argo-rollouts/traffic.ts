/**
 * What an Argo Rollout writes to route traffic: the canary and stable Services' selectors
 * (`rollout/service.go` `reconcileStableAndCanaryService` / `ensureSVCTargets`: the
 * `rollouts-pod-template-hash` of the ReplicaSet, switched only once it has an available pod), the
 * canary Ingress for nginx (`rollout/trafficrouting/nginx/nginx.go` `canaryIngress`, named
 * `<rollout>-<stableIngress>-canary` by `utils/ingress` `GetCanaryIngressName`: a copy of the stable
 * Ingress's rules that use the stable Service, re-pointed at the canary Service, with its class,
 * TLS, `kubernetes.io/ingress.class`, the `additionalIngressAnnotations` and `canary: "true"`,
 * `canary-weight: "<w>"`), and the weights of the TraefikService
 * (`rollout/trafficrouting/traefik/traefik.go` `SetWeight`: canary `w`, stable `100 − w`).
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import { jsonEqual, type JsonObject } from "../../../../util/index.js";
import type { ControllerChange, ControllerView } from "../../controller-contract.js";
import { objectAt, objectsAt, stringAt, valueAt } from "../common/fields.js";
import { controllerReference } from "../common/owners.js";
import { TRAEFIK_API_VERSIONS } from "../common/versions.js";
import { MANAGED_BY_ANNOTATION, ROLLOUT_HASH_LABEL, type ArgoPlan, type NginxRouting } from "./api.js";

function refIn(namespace: string | undefined, apiVersion: string, kind: string, name: string): ObjectRef {
  return { apiVersion, kind, name, ...(namespace === undefined ? {} : { namespace }) };
}

/** What the traffic step needs to know about the Rollout. */
export interface TrafficTarget {
  readonly view: ControllerView;
  readonly rollout: KubeObject;
  readonly plan: ArgoPlan;
  readonly namespace: string | undefined;
  readonly changes: ControllerChange[];
}

/**
 * Points a Service at a ReplicaSet's hash (and marks it managed by the Rollout). Returns false
 * when the Service is missing (the Rollout cannot route yet).
 */
export function ensureServiceTarget(target: TrafficTarget, serviceName: string, hash: string | undefined): boolean {
  const service = target.view.get(refIn(target.namespace, "v1", "Service", serviceName));
  if (service === undefined) return false;
  const rolloutName = target.rollout.metadata.name ?? "";
  const selector = stringAt(service, ["spec", "selector", ROLLOUT_HASH_LABEL]);
  const managedBy = service.metadata.annotations?.[MANAGED_BY_ANNOTATION];
  if ((hash === undefined || selector === hash) && managedBy === rolloutName) return true;
  target.changes.push({
    op: "patch",
    ref: refIn(target.namespace, "v1", "Service", serviceName),
    body: {
      type: "merge",
      patch: {
        metadata: { annotations: { [MANAGED_BY_ANNOTATION]: rolloutName } },
        ...(hash === undefined || selector === hash ? {} : { spec: { selector: { [ROLLOUT_HASH_LABEL]: hash } } }),
      },
    },
  });
  return true;
}

/** `GetCanaryIngressName`: `<rollout>-<stableIngress>-canary`, cut to 253 characters. */
export function canaryIngressName(rollout: string, stableIngress: string): string {
  return `${rollout}-${stableIngress}-canary`.slice(0, 253);
}

function prefixed(prefix: string, key: string): string {
  return key.startsWith(prefix) ? key : `${prefix}/${key}`;
}

/** The canary Ingress Argo wants for one stable Ingress at `weight`; undefined when the Ingress routes nothing to the stable Service. */
export function desiredCanaryIngress(
  target: TrafficTarget,
  nginx: NginxRouting,
  stable: KubeObject,
  weight: number,
): KubeObject | undefined {
  const stableService = target.plan.stableService ?? "";
  const canaryService = target.plan.canaryService ?? "";
  const rules = objectsAt(stable, ["spec", "rules"]).flatMap((rule): JsonObject[] => {
    const copy = structuredClone(rule);
    let uses = false;
    for (const path of objectsAt(copy, ["http", "paths"])) {
      const service = valueAt(path, ["backend", "service"]) as JsonObject | undefined;
      if (service !== undefined && service.name === stableService) {
        service.name = canaryService;
        uses = true;
      }
    }
    return uses ? [copy] : [];
  });
  if (rules.length === 0) return undefined;
  const annotations: Record<string, string> = {};
  const legacyClass = stable.metadata.annotations?.["kubernetes.io/ingress.class"];
  if (legacyClass !== undefined) annotations["kubernetes.io/ingress.class"] = legacyClass;
  for (const [key, value] of Object.entries(nginx.additionalIngressAnnotations))
    annotations[prefixed(nginx.annotationPrefix, key)] = value;
  annotations[`${nginx.annotationPrefix}/canary`] = "true";
  annotations[`${nginx.annotationPrefix}/canary-weight`] = String(weight);
  const spec: JsonObject = { rules };
  const className = stringAt(stable, ["spec", "ingressClassName"]);
  if (className !== undefined) spec.ingressClassName = className;
  const tls = valueAt(stable, ["spec", "tls"]);
  if (tls !== undefined) spec.tls = structuredClone(tls);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: canaryIngressName(target.rollout.metadata.name ?? "", stable.metadata.name ?? ""),
      ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
      annotations,
      ownerReferences: [controllerReference(target.rollout)],
    },
    spec,
  };
}

/**
 * nginx `SetWeight`: create or patch each canary Ingress. Returns an error message when a stable
 * Ingress is missing or routes nothing to the stable Service (the Rollout reports it).
 */
export function setNginxWeight(target: TrafficTarget, nginx: NginxRouting, weight: number): string | undefined {
  for (const name of nginx.stableIngresses) {
    const stable = target.view.get(refIn(target.namespace, "networking.k8s.io/v1", "Ingress", name));
    if (stable === undefined)
      return `error retrieving stableIngress \`${name}\`: ingress.networking.k8s.io "${name}" not found`;
    const desired = desiredCanaryIngress(target, nginx, stable, weight);
    if (desired === undefined)
      return `ingress \`${name}\` has no rules using service ${target.plan.stableService ?? ""} backend`;
    const existing = target.view.get(
      refIn(target.namespace, "networking.k8s.io/v1", "Ingress", desired.metadata.name ?? ""),
    );
    if (existing === undefined) {
      target.changes.push({ op: "create", object: desired });
      continue;
    }
    const current = { annotations: existing.metadata.annotations ?? {}, spec: existing.spec ?? {} };
    if (jsonEqual(current, { annotations: desired.metadata.annotations ?? {}, spec: desired.spec ?? {} })) continue;
    const annotationPatch: Record<string, string | null> = {};
    for (const key of Object.keys(current.annotations))
      if (!(key in (desired.metadata.annotations ?? {}))) annotationPatch[key] = null;
    Object.assign(annotationPatch, desired.metadata.annotations ?? {});
    target.changes.push({
      op: "patch",
      ref: refIn(target.namespace, "networking.k8s.io/v1", "Ingress", desired.metadata.name ?? ""),
      body: {
        type: "merge",
        patch: { metadata: { annotations: annotationPatch }, spec: objectAt(desired, ["spec"]) ?? {} },
      },
    });
  }
  return undefined;
}

/** The weighted TraefikService named by the Rollout (either API group). */
export function findTraefikService(target: TrafficTarget, name: string): KubeObject | undefined {
  for (const apiVersion of TRAEFIK_API_VERSIONS) {
    const found = target.view.get(refIn(target.namespace, apiVersion, "TraefikService", name));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** traefik `SetWeight`: canary service weight `w`, stable `100 − w`. Returns an error message as upstream words it. */
export function setTraefikWeight(target: TrafficTarget, name: string, weight: number): string | undefined {
  const service = findTraefikService(target, name);
  if (service === undefined) return `traefikservices "${name}" not found`;
  const services = objectsAt(service, ["spec", "weighted", "services"]);
  if (valueAt(service, ["spec", "weighted", "services"]) === undefined)
    return "spec.weighted.services was not found in traefik service manifest";
  const canaryName = target.plan.canaryService ?? "";
  const stableName = target.plan.stableService ?? "";
  if (!services.some((s) => s.name === canaryName)) return "traefik canary service was not found";
  if (!services.some((s) => s.name === stableName)) return "traefik stable service was not found";
  const next = services.map((s) =>
    s.name === canaryName ? { ...s, weight } : s.name === stableName ? { ...s, weight: 100 - weight } : s,
  );
  if (jsonEqual(services, next)) return undefined;
  target.changes.push({
    op: "patch",
    ref: refIn(target.namespace, service.apiVersion, "TraefikService", name),
    body: { type: "merge", patch: { spec: { weighted: { services: next } } } },
  });
  return undefined;
}
