/**
 * The Argo Rollouts API as the simulated controller reads it (`argoproj/argo-rollouts`
 * `pkg/apis/rollouts/v1alpha1/types.go`: `RolloutSpec`, `CanaryStrategy`, `CanaryStep`,
 * `RolloutTrafficRouting`, `ObjectRef`; defaults from `utils/defaults/defaults.go`), normalised
 * into one {@link ArgoPlan}. Only the canary strategy is simulated.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { isJsonObject, parseDuration, type JsonObject, type JsonValue } from "../../../../util/index.js";
import type { ControllerView } from "../../controller-contract.js";
import { booleanAt, numberAt, objectAt, objectsAt, stringAt, stringMapAt, valueAt } from "../common/fields.js";

export const ARGO_ROLLOUT_API = "argoproj.io/v1alpha1";
/** Label the controller adds to its ReplicaSets and pods (`DefaultRolloutUniqueLabelKey`). */
export const ROLLOUT_HASH_LABEL = "rollouts-pod-template-hash";
/** Revision of a ReplicaSet (and of the Rollout), as on Deployments. */
export const REVISION_ANNOTATION = "rollout.argoproj.io/revision";
/** `spec.replicas` of the Rollout when the ReplicaSet was last scaled. */
export const DESIRED_REPLICAS_ANNOTATION = "rollout.argoproj.io/desired-replicas";
/** When a ReplicaSet left behind (old stable, aborted canary) is scaled down (`DefaultReplicaSetScaleDownDeadlineAnnotationKey`). */
export const SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline";
/** On the canary and stable Services: the Rollout that owns their selectors. */
export const MANAGED_BY_ANNOTATION = "argo-rollouts.argoproj.io/managed-by-rollouts";
/** On a ReplicaSet: the canary/stable metadata last applied to its pods. */
export const EPHEMERAL_METADATA_ANNOTATION = "rollout.argoproj.io/ephemeral-metadata";
/** On a Rollout with `workloadRef`: the referenced workload's generation it last read. */
export const WORKLOAD_GENERATION_ANNOTATION = "rollout.argoproj.io/workload-generation";
/** Seconds an aborted canary ReplicaSet keeps running (`DefaultAbortScaleDownDelaySeconds`). */
export const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;
/** Seconds the old stable ReplicaSet keeps running after promotion with traffic routing (`DefaultScaleDownDelaySeconds`). */
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;
/** Annotation prefix of the canary Ingress for nginx (`DefaultCanaryIngressAnnotationPrefix`). */
export const DEFAULT_NGINX_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io";

/** One header condition of a `setHeaderRoute` step. */
export interface HeaderRouteMatch {
  readonly headerName: string;
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

/** One canary step, by the field it sets. Kinds the sandbox does not simulate keep their raw body. */
export type ArgoStep =
  | { readonly kind: "setWeight"; readonly weight: number }
  | { readonly kind: "pause"; readonly durationSeconds: number | undefined }
  | {
      readonly kind: "setCanaryScale";
      readonly replicas: number | undefined;
      readonly weight: number | undefined;
      readonly matchTrafficWeight: boolean;
    }
  | { readonly kind: "setHeaderRoute"; readonly name: string; readonly match: readonly HeaderRouteMatch[] }
  | { readonly kind: "analysis" | "experiment" | "setMirrorRoute" | "plugin"; readonly body: JsonValue };

/** The step fields Argo Rollouts knows (`CanaryStep`). */
export const STEP_KINDS = [
  "setWeight",
  "pause",
  "setCanaryScale",
  "setHeaderRoute",
  "analysis",
  "experiment",
  "setMirrorRoute",
  "plugin",
] as const;

/** `trafficRouting.nginx`. */
export interface NginxRouting {
  readonly stableIngresses: readonly string[];
  readonly annotationPrefix: string;
  readonly additionalIngressAnnotations: Readonly<Record<string, string>>;
  readonly canaryIngressAnnotations: Readonly<Record<string, string>>;
}

/** `trafficRouting.traefik`. */
export interface TraefikRouting {
  readonly weightedTraefikServiceName: string;
}

/** `canaryMetadata` / `stableMetadata`. */
export interface PodMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** `spec.workloadRef`. */
export interface WorkloadRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** `never` (default), `onsuccess` or `progressively`. */
  readonly scaleDown: "never" | "onsuccess" | "progressively";
}

/** A Rollout spec, normalised. */
export interface ArgoPlan {
  readonly replicas: number;
  readonly selector: JsonObject | undefined;
  readonly template: JsonObject | undefined;
  readonly workloadRef: WorkloadRef | undefined;
  readonly paused: boolean;
  readonly canary: boolean;
  readonly steps: readonly ArgoStep[];
  readonly canaryService: string | undefined;
  readonly stableService: string | undefined;
  readonly nginx: NginxRouting | undefined;
  readonly traefik: TraefikRouting | undefined;
  /** Routers named in `trafficRouting` that the sandbox does not simulate (istio, alb, smi…). */
  readonly otherRouters: readonly string[];
  readonly maxSurge: JsonValue;
  readonly maxUnavailable: JsonValue;
  readonly canaryMetadata: PodMetadata | undefined;
  readonly stableMetadata: PodMetadata | undefined;
  readonly abortScaleDownDelaySeconds: number;
  readonly scaleDownDelaySeconds: number;
  readonly dynamicStableScale: boolean;
}

/** Whether the plan routes traffic through a router (vs. the basic, replica-ratio canary). */
export function hasTrafficRouting(plan: ArgoPlan): boolean {
  return plan.nginx !== undefined || plan.traefik !== undefined || plan.otherRouters.length > 0;
}

function intOrUndefined(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** Reads one step; a step whose kind is not one field of {@link STEP_KINDS} is returned as undefined. */
export function readArgoStep(step: JsonObject): ArgoStep | undefined {
  const kinds = Object.keys(step).filter((key) => (STEP_KINDS as readonly string[]).includes(key));
  if (kinds.length !== 1 || Object.keys(step).length !== 1) return undefined;
  const kind = kinds[0] as (typeof STEP_KINDS)[number];
  const body = step[kind];
  switch (kind) {
    case "setWeight":
      return { kind, weight: typeof body === "number" ? body : Number.NaN };
    case "pause": {
      const duration = isJsonObject(body) ? body.duration : undefined;
      const ms =
        duration === undefined || duration === null
          ? undefined
          : typeof duration === "number" || typeof duration === "string"
            ? parseDuration(duration)
            : Number.NaN;
      return { kind, durationSeconds: ms === undefined ? undefined : ms / 1000 };
    }
    case "setCanaryScale":
      return {
        kind,
        replicas: intOrUndefined(isJsonObject(body) ? body.replicas : undefined),
        weight: intOrUndefined(isJsonObject(body) ? body.weight : undefined),
        matchTrafficWeight: isJsonObject(body) && body.matchTrafficWeight === true,
      };
    case "setHeaderRoute":
      return {
        kind,
        name: stringAt(body, ["name"]) ?? "",
        match: objectsAt(body, ["match"]).map((item) => {
          const value = objectAt(item, ["headerValue"]) ?? {};
          return {
            headerName: typeof item.headerName === "string" ? item.headerName : "",
            ...(typeof value.exact === "string" ? { exact: value.exact } : {}),
            ...(typeof value.prefix === "string" ? { prefix: value.prefix } : {}),
            ...(typeof value.regex === "string" ? { regex: value.regex } : {}),
          };
        }),
      };
    default:
      return { kind, body: body ?? null };
  }
}

function readMetadata(value: JsonObject | undefined): PodMetadata | undefined {
  if (value === undefined) return undefined;
  return { labels: stringMapAt(value, ["labels"]), annotations: stringMapAt(value, ["annotations"]) };
}

const SCALE_DOWN_MODES: Readonly<Record<string, WorkloadRef["scaleDown"]>> = {
  never: "never",
  onsuccess: "onsuccess",
  progressively: "progressively",
};

const PLAN_CACHE = new WeakMap<KubeObject, ArgoPlan>();

/** Reads a Rollout's spec (cached per stored, frozen object). */
export function readArgoPlan(rollout: KubeObject): ArgoPlan {
  const cached = PLAN_CACHE.get(rollout);
  if (cached !== undefined) return cached;
  const plan = readPlan(rollout);
  if (Object.isFrozen(rollout)) PLAN_CACHE.set(rollout, plan);
  return plan;
}

function readPlan(rollout: KubeObject): ArgoPlan {
  const canary = objectAt(rollout, ["spec", "strategy", "canary"]);
  const routing = objectAt(canary, ["trafficRouting"]);
  const nginx = objectAt(routing, ["nginx"]);
  const traefik = objectAt(routing, ["traefik"]);
  const ref = objectAt(rollout, ["spec", "workloadRef"]);
  const stableIngress = stringAt(nginx, ["stableIngress"]);
  const stableIngresses = (valueAt(nginx, ["stableIngresses"]) ?? []) as JsonValue[];
  const steps = objectsAt(canary, ["steps"]).map((step) => readArgoStep(step));
  return {
    replicas: Math.max(0, numberAt(rollout, ["spec", "replicas"]) ?? 1),
    selector: objectAt(rollout, ["spec", "selector"]),
    template: objectAt(rollout, ["spec", "template"]),
    workloadRef:
      ref === undefined
        ? undefined
        : {
            apiVersion: stringAt(ref, ["apiVersion"]) ?? "apps/v1",
            kind: stringAt(ref, ["kind"]) ?? "",
            name: stringAt(ref, ["name"]) ?? "",
            scaleDown: SCALE_DOWN_MODES[(stringAt(ref, ["scaleDown"]) ?? "never").toLowerCase()] ?? "never",
          },
    paused: booleanAt(rollout, ["spec", "paused"]) === true,
    canary: canary !== undefined,
    steps: steps.filter((step): step is ArgoStep => step !== undefined),
    canaryService: stringAt(canary, ["canaryService"]),
    stableService: stringAt(canary, ["stableService"]),
    nginx:
      nginx === undefined
        ? undefined
        : {
            stableIngresses: [
              ...(stableIngress === undefined ? [] : [stableIngress]),
              ...(Array.isArray(stableIngresses)
                ? stableIngresses.filter((i): i is string => typeof i === "string")
                : []),
            ],
            annotationPrefix: stringAt(nginx, ["annotationPrefix"]) ?? DEFAULT_NGINX_ANNOTATION_PREFIX,
            additionalIngressAnnotations: stringMapAt(nginx, ["additionalIngressAnnotations"]),
            canaryIngressAnnotations: stringMapAt(nginx, ["canaryIngressAnnotations"]),
          },
    traefik:
      traefik === undefined
        ? undefined
        : { weightedTraefikServiceName: stringAt(traefik, ["weightedTraefikServiceName"]) ?? "" },
    otherRouters: Object.keys(routing ?? {}).filter(
      (key) => key !== "nginx" && key !== "traefik" && key !== "managedRoutes" && key !== "maxTrafficWeight",
    ),
    maxSurge: canary?.maxSurge ?? "25%",
    maxUnavailable: canary?.maxUnavailable ?? "25%",
    canaryMetadata: readMetadata(objectAt(canary, ["canaryMetadata"])),
    stableMetadata: readMetadata(objectAt(canary, ["stableMetadata"])),
    abortScaleDownDelaySeconds: Math.max(
      0,
      numberAt(canary, ["abortScaleDownDelaySeconds"]) ?? DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS,
    ),
    scaleDownDelaySeconds: Math.max(0, numberAt(canary, ["scaleDownDelaySeconds"]) ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS),
    dynamicStableScale: booleanAt(canary, ["dynamicStableScale"]) === true,
  };
}

/** Every Argo Rollout in the view. */
export function listArgoRollouts(view: ControllerView, namespace?: string): readonly KubeObject[] {
  return view.list(ARGO_ROLLOUT_API, "Rollout", namespace === undefined ? {} : { namespace });
}
