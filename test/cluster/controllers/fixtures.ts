import type { KubeObject } from "../../../src/model/kube-object.js";
import { displayText, type JsonObject } from "../../../src/util/index.js";
import type { MemorySandbox } from "../../support/sandbox.js";
import type { ControllerView } from "../../../src/cluster/sandbox/controller-contract.js";

/** A Deployment `name` with `replicas` pods running `image`. */
export function deployment(name: string, image: string, replicas = 5, extra: JsonObject = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image, ports: [{ containerPort: 8090 }] }] },
      },
      ...extra,
    },
  };
}

export function service(name: string, selectorApp = name): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: {
      selector: { app: selectorApp },
      ports: [{ name: "http", port: 8090, targetPort: 8090 }],
    },
  };
}

export function ingress(name: string, host: string, path: string, backend = name): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default" },
    spec: {
      ingressClassName: "nginx",
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path,
                pathType: "ImplementationSpecific",
                backend: { service: { name: backend, port: { number: 8090 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export interface RolloutFixtureOptions {
  readonly steps: readonly JsonObject[];
  readonly workload?: string;
  readonly gracePeriodSeconds?: number;
  readonly routing?: boolean;
}

/** A v1alpha1 Rollout over Deployment `name` with nginx traffic routing through Service and Ingress `name`. */
export function rollout(name: string, options: RolloutFixtureOptions): KubeObject {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "Rollout",
    metadata: { name, namespace: "default", annotations: { "rollouts.kruise.io/rolling-style": "canary" } },
    spec: {
      objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: options.workload ?? name } },
      strategy: {
        canary: {
          steps: options.steps as JsonObject[],
          ...(options.routing === false
            ? {}
            : {
                trafficRoutings: [
                  {
                    service: name,
                    ingress: { name, classType: "nginx" },
                    ...(options.gracePeriodSeconds === undefined
                      ? {}
                      : { gracePeriodSeconds: options.gracePeriodSeconds }),
                  },
                ],
              }),
        },
      },
    },
  };
}

/** The four objects of the canonical story for app `name` (v1 image, 5 replicas, steps 20 → 90). */
export function canonicalApp(
  name = "canary-demo",
  steps: readonly JsonObject[] = [{ weight: 20 }, { weight: 90 }],
): KubeObject[] {
  return [
    deployment(name, `barnett/canarydemo:v1`),
    service(name),
    ingress(name, `${name}.com`, "/version"),
    rollout(name, { steps }),
  ];
}

/**
 * Settles, then moves the fake clock to each wake-up time and settles again, until `done` holds
 * or nothing waits for time any more (what `--wait` does with a real clock).
 */
export function settleThroughTime(sandbox: MemorySandbox, done: () => boolean = () => false, maxWakes = 200): void {
  sandbox.settle();
  for (let i = 0; i < maxWakes && !done(); i++) {
    const wake = sandbox.nextWakeAt();
    if (wake === undefined) return;
    sandbox.clock.advance(Math.max(0, wake.getTime() - sandbox.clock.now().getTime()));
    sandbox.settle();
  }
}

export function getObject(
  view: ControllerView,
  apiVersion: string,
  kind: string,
  name: string,
  namespace = "default",
): KubeObject | undefined {
  return view.get({ apiVersion, kind, name, namespace });
}

export function rolloutStatus(view: ControllerView, name: string): JsonObject {
  return (getObject(view, "rollouts.kruise.io/v1alpha1", "Rollout", name)?.status ?? {}) as JsonObject;
}

export function canaryState(
  view: ControllerView,
  name: string,
): { phase: unknown; step: unknown; state: unknown; reason: unknown; message: unknown } {
  const status = rolloutStatus(view, name);
  const canary = (status.canaryStatus ?? {}) as JsonObject;
  const conditions = Array.isArray(status.conditions) ? (status.conditions as JsonObject[]) : [];
  return {
    phase: status.phase,
    step: canary.currentStepIndex,
    state: canary.currentStepState,
    reason: conditions.find((c) => c.type === "Progressing")?.reason,
    message: status.message,
  };
}

/** Pods of `app` by image (ready ones only when `readyOnly`). */
export function podsByImage(view: ControllerView, app: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pod of view.list("v1", "Pod", { namespace: "default" })) {
    const labels = pod.metadata.labels ?? {};
    if ((labels.app ?? labels["app.kubernetes.io/name"]) !== app || pod.metadata.deletionTimestamp !== undefined)
      continue;
    const image = displayText(((pod.spec as JsonObject).containers as JsonObject[])[0]?.image ?? "");
    out[image] = (out[image] ?? 0) + 1;
  }
  return out;
}

/** Binomial 99.9% interval for `n` trials at probability `p` (normal approximation, z = 3.29). */
export function binomialInterval(n: number, p: number): { readonly low: number; readonly high: number } {
  const sd = Math.sqrt(n * p * (1 - p));
  return { low: n * p - 3.29 * sd, high: n * p + 3.29 * sd };
}

/** Updates a workload's first container image (as `kubectl set image` would, through the admission). */
export function setImage(sandbox: MemorySandbox, name: string, image: string): void {
  const current =
    getObject(sandbox.store, "apps/v1", "Deployment", name) ??
    getObject(sandbox.store, "apps/v1", "StatefulSet", name) ??
    getObject(sandbox.store, "apps.kruise.io/v1alpha1", "CloneSet", name);
  if (current === undefined) throw new Error(`no workload ${name}`);
  const next = structuredClone(current) as KubeObject & { spec: { template: { spec: { containers: JsonObject[] } } } };
  const first = next.spec.template.spec.containers[0];
  if (first !== undefined) first.image = image;
  sandbox.store.update(next);
}
