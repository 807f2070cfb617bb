/**
 * Simulated Flux helm-controller (`fluxcd/helm-controller` `internal/controller/
 * helmrelease_controller.go`, `internal/reconcile/{install,upgrade,atomic_release}.go`, API
 * `api/v2/helmrelease_types.go`; ROLLOUT-SEMANTICS §6.1):
 *
 * - the chart comes from the HelmRepository named by `spec.chart.spec.sourceRef` through the
 *   sandbox chart catalog (`env.charts.resolve(url, chart, version)`); a HelmChart
 *   `<namespace>-<name>` is kept in the source namespace and `status.helmChart` points at it;
 * - release name `spec.releaseName` or `[targetNamespace-]metadata.name`; objects go to
 *   `targetNamespace` (default: the HelmRelease's namespace); values from `valuesFrom` + `values`
 *   (`values.ts`);
 * - install when no release exists, upgrade when the chart version or values changed: rendered
 *   objects (hooks excluded) are created or patched with the three-way merge of `manifest-diff.ts`,
 *   labelled `helm.toolkit.fluxcd.io/name|namespace`, owned by the HelmRelease, and objects the new
 *   manifest no longer has are deleted; the release is recorded as a Helm storage Secret;
 * - hooks run as Helm's `execHook` runs them (`pkg/action/hooks.go`): `pre-install` (`pre-upgrade`)
 *   hooks before the manifest, `post-install` (`post-upgrade`) hooks once the release is ready,
 *   each event's hooks by `helm.sh/hook-weight` then name, an existing hook object replaced under
 *   the `before-hook-creation` policy (the default) and deleted after success under
 *   `hook-succeeded`; test hooks are never installed. Hooks are not part of the manifest (no
 *   three-way merge, not deleted with the release). There is no kubelet in the sandbox, so a hook
 *   Job or Pod counts as succeeded once created;
 * - Helm's wait: the release is Ready once its Deployments/StatefulSets are ready, a paused
 *   Deployment counting as ready (§1.12); then `Ready`/`Released` say "Helm install|upgrade
 *   succeeded for release <ns>/<name>.v<N> with chart <chart>@<version>", `history` (newest
 *   first), `lastAppliedRevision`, `lastAttemptedRevision`, `lastReleaseRevision`;
 * - failures (missing source, unknown repository, values reference, render error) are `Ready=False`
 *   conditions with upstream reasons (ArtifactFailed, InitFailed, InstallFailed, UpgradeFailed).
 * Remediation/retries, tests, drift detection and `interval` re-runs are not simulated.
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import { formatTimestamp, jsonEqual, sha256OfJson, toJsonObject, type JsonObject } from "../../../../util/index.js";
import { isNamespacedKind } from "../../../resources.js";
import type {
  ChartResolution,
  ControllerChange,
  ControllerEnv,
  ControllerView,
  SimulatedController,
} from "../../controller-contract.js";
import { setCondition, type ConditionInput } from "../common/conditions.js";
import { booleanAt, numberAt, objectAt, stringAt, valueAt } from "../common/fields.js";
import { listServedVersions } from "../common/versions.js";
import {
  HELM_CHART_API,
  HELM_RELEASE_NAME_LABEL,
  HELM_RELEASE_NAMESPACE_LABEL,
  HELM_RELEASE_VERSIONS,
  HELM_REPOSITORY_VERSIONS,
} from "./api.js";
import { mergePatchBetween, patchChanges } from "./manifest-diff.js";
import {
  historySnapshot,
  readReleaseHistory,
  releaseSecret,
  releaseSecretName,
  type StoredRelease,
} from "./release-storage.js";
import { composeReleaseValues, ValuesReferenceError } from "./values.js";

/** `[targetNamespace-]name`, shortened like helm-controller when over 53 characters. */
export function defaultReleaseName(release: KubeObject): string {
  const explicit = stringAt(release, ["spec", "releaseName"]);
  if (explicit !== undefined && explicit !== "") return explicit;
  const target = stringAt(release, ["spec", "targetNamespace"]);
  const name =
    target === undefined || target === "" ? (release.metadata.name ?? "") : `${target}-${release.metadata.name ?? ""}`;
  return name.length > 53 ? `${name.slice(0, 40)}-${sha256OfJson(name).slice(0, 12)}` : name;
}

function refOfObject(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}

function objectId(object: KubeObject): string {
  const slash = object.apiVersion.indexOf("/");
  return `${slash < 0 ? "" : object.apiVersion.slice(0, slash)}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
}

const HOOK_ANNOTATION = "helm.sh/hook";
const HOOK_WEIGHT_ANNOTATION = "helm.sh/hook-weight";
const HOOK_DELETE_POLICY_ANNOTATION = "helm.sh/hook-delete-policy";

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isHook(object: KubeObject): boolean {
  return object.metadata.annotations?.[HOOK_ANNOTATION] !== undefined;
}

/** The events a hook runs on (`helm.sh/hook: pre-install,pre-upgrade`). */
function hookEvents(object: KubeObject): string[] {
  return (object.metadata.annotations?.[HOOK_ANNOTATION] ?? "").split(",").map((event) => event.trim());
}

/** `helm.sh/hook-weight` as Helm reads it (`strconv.Atoi`; anything else is 0). */
function hookWeight(object: KubeObject): number {
  const text = object.metadata.annotations?.[HOOK_WEIGHT_ANNOTATION] ?? "";
  return /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : 0;
}

/** `helm.sh/hook-delete-policy`; `before-hook-creation` when none is given (Helm 3). */
function hookDeletePolicies(object: KubeObject): string[] {
  const text = object.metadata.annotations?.[HOOK_DELETE_POLICY_ANNOTATION] ?? "";
  const policies = text
    .split(",")
    .map((policy) => policy.trim())
    .filter((policy) => policy !== "");
  return policies.length === 0 ? ["before-hook-creation"] : policies;
}

/** Hooks as Helm creates them: in the release namespace, with Flux's origin labels (its post-renderer labels every object). */
function prepareHooks(objects: readonly KubeObject[], release: KubeObject, targetNamespace: string): KubeObject[] {
  return objects.filter(isHook).map((object) => ({
    ...object,
    metadata: {
      ...object.metadata,
      ...(isNamespacedKind(object.apiVersion, object.kind)
        ? { namespace: object.metadata.namespace ?? targetNamespace }
        : {}),
      labels: {
        ...(object.metadata.labels ?? {}),
        [HELM_RELEASE_NAME_LABEL]: release.metadata.name ?? "",
        [HELM_RELEASE_NAMESPACE_LABEL]: release.metadata.namespace ?? "default",
      },
    },
  }));
}

/**
 * Helm's `execHook` for one event: the event's hooks by weight then name; each replaces an existing
 * object under `before-hook-creation` and is deleted after succeeding under `hook-succeeded`.
 * Returns the writes, or the reason the hook phase fails (an existing object and no
 * `before-hook-creation` policy is Helm's "already exists").
 */
function runHooks(
  view: ControllerView,
  hooks: readonly KubeObject[],
  event: string,
): { readonly changes: ControllerChange[] } | { readonly failure: string } {
  const executing = hooks
    .filter((hook) => hookEvents(hook).includes(event))
    .sort((a, b) => hookWeight(a) - hookWeight(b) || compareText(a.metadata.name ?? "", b.metadata.name ?? ""));
  const changes: ControllerChange[] = [];
  for (const hook of executing) {
    const policies = hookDeletePolicies(hook);
    const ref = refOfObject(hook);
    if (view.get(ref) !== undefined) {
      if (!policies.includes("before-hook-creation"))
        return { failure: `${event} hooks failed: ${hook.kind} "${hook.metadata.name ?? ""}" already exists` };
      changes.push({ op: "delete", ref });
    }
    changes.push({ op: "create", object: hook });
    if (policies.includes("hook-succeeded")) changes.push({ op: "delete", ref });
  }
  return { changes };
}

/** Rendered objects as the release applies them: namespace, release labels and Helm's ownership annotations. */
function prepareManifest(
  objects: readonly KubeObject[],
  release: KubeObject,
  releaseName: string,
  targetNamespace: string,
): KubeObject[] {
  return objects
    .filter((object) => !isHook(object))
    .map((object) => {
      const namespaced = isNamespacedKind(object.apiVersion, object.kind);
      return {
        ...object,
        metadata: {
          name: object.metadata.name ?? "",
          ...(namespaced ? { namespace: object.metadata.namespace ?? targetNamespace } : {}),
          labels: {
            ...(object.metadata.labels ?? {}),
            [HELM_RELEASE_NAME_LABEL]: release.metadata.name ?? "",
            [HELM_RELEASE_NAMESPACE_LABEL]: release.metadata.namespace ?? "default",
          },
          annotations: {
            ...(object.metadata.annotations ?? {}),
            "meta.helm.sh/release-name": releaseName,
            "meta.helm.sh/release-namespace": targetNamespace,
          },
        },
      };
    });
}

function ownerRef(release: KubeObject): NonNullable<KubeObject["metadata"]["ownerReferences"]>[number] {
  return {
    apiVersion: release.apiVersion,
    kind: release.kind,
    name: release.metadata.name ?? "",
    uid: release.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The writes that move the live objects from `previous` to `next` (Helm's three-way merge). */
function applyManifest(
  view: ControllerView,
  release: KubeObject,
  previous: readonly KubeObject[],
  next: readonly KubeObject[],
): ControllerChange[] {
  const changes: ControllerChange[] = [];
  const before = new Map(previous.map((object) => [objectId(object), object]));
  for (const object of next) {
    const live = view.get(refOfObject(object));
    if (live === undefined) {
      changes.push({
        op: "create",
        object: { ...object, metadata: { ...object.metadata, ownerReferences: [ownerRef(release)] } },
      });
      continue;
    }
    const old = before.get(objectId(object));
    const { metadata: oldMeta, ...oldBody } = old ?? { metadata: {} };
    const { metadata: newMeta, ...newBody } = object;
    const patch = mergePatchBetween(
      {
        ...(oldBody as JsonObject),
        metadata: { labels: oldMeta.labels ?? {}, annotations: oldMeta.annotations ?? {} },
      },
      {
        ...(newBody as JsonObject),
        metadata: { labels: newMeta.labels ?? {}, annotations: newMeta.annotations ?? {} },
      },
    );
    if (old === undefined) (patch.metadata as JsonObject).ownerReferences = [toJsonObject(ownerRef(release))];
    if (patchChanges(toJsonObject(live), patch))
      changes.push({ op: "patch", ref: refOfObject(live), body: { type: "merge", patch } });
  }
  const kept = new Set(next.map(objectId));
  for (const object of previous)
    if (!kept.has(objectId(object)) && view.get(refOfObject(object)) !== undefined)
      changes.push({ op: "delete", ref: refOfObject(object) });
  return changes;
}

/** Helm's ReadyChecker for the kinds the sandbox runs: a paused Deployment counts as ready. */
function isReady(view: ControllerView, object: KubeObject): boolean {
  const live = view.get(refOfObject(object));
  if (live === undefined) return false;
  const generationSeen = (numberAt(live, ["status", "observedGeneration"]) ?? 0) >= (live.metadata.generation ?? 1);
  const replicas = Math.max(0, numberAt(live, ["spec", "replicas"]) ?? 1);
  if (live.kind === "Deployment") {
    if (booleanAt(live, ["spec", "paused"]) === true) return true;
    return (
      generationSeen &&
      (numberAt(live, ["status", "updatedReplicas"]) ?? 0) >= replicas &&
      (numberAt(live, ["status", "availableReplicas"]) ?? 0) >= replicas
    );
  }
  if (live.kind === "StatefulSet" || live.kind === "CloneSet")
    return generationSeen && (numberAt(live, ["status", "readyReplicas"]) ?? 0) >= replicas;
  return true;
}

interface ReleaseStatusInput {
  readonly ready: ConditionInput;
  readonly released?: ConditionInput;
  readonly extra?: JsonObject;
}

function statusChange(release: KubeObject, env: ControllerEnv, input: ReleaseStatusInput): ControllerChange[] {
  const generation = release.metadata.generation ?? 1;
  const status: JsonObject = {
    ...structuredClone<JsonObject>(objectAt(release, ["status"]) ?? {}),
    ...(input.extra ?? {}),
    observedGeneration: generation,
  };
  let conditions = setCondition(valueAt(release, ["status", "conditions"]), input.ready, env.now, {
    withUpdateTime: false,
    observedGeneration: generation,
  });
  if (input.released !== undefined)
    conditions = setCondition(conditions, input.released, env.now, {
      withUpdateTime: false,
      observedGeneration: generation,
    });
  status.conditions = conditions;
  return jsonEqual(valueAt(release, ["status"]) ?? {}, status)
    ? []
    : [{ op: "updateStatus", object: { ...release, status } }];
}

function failed(release: KubeObject, env: ControllerEnv, reason: string, message: string): ControllerChange[] {
  return statusChange(release, env, { ready: { type: "Ready", status: "False", reason, message } });
}

function helmChartObject(
  release: KubeObject,
  sourceNamespace: string,
  resolution: ChartResolution & { ok: true },
): KubeObject {
  const chartSpec = objectAt(release, ["spec", "chart", "spec"]) ?? {};
  return {
    apiVersion: HELM_CHART_API,
    kind: "HelmChart",
    metadata: {
      name: `${release.metadata.namespace ?? "default"}-${release.metadata.name ?? ""}`,
      namespace: sourceNamespace,
      ...(sourceNamespace === (release.metadata.namespace ?? "default")
        ? { ownerReferences: [ownerRef(release)] }
        : {}),
    },
    spec: {
      chart: resolution.chart,
      version: stringAt(chartSpec, ["version"]) ?? "*",
      sourceRef: structuredClone(objectAt(chartSpec, ["sourceRef"]) ?? {}),
      interval: stringAt(chartSpec, ["interval"]) ?? "5m",
      reconcileStrategy: stringAt(chartSpec, ["reconcileStrategy"]) ?? "ChartVersion",
    },
    status: {
      observedChartName: resolution.chart,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ChartPullSucceeded",
          message: `pulled '${resolution.chart}' chart with version '${resolution.version}'`,
          lastTransitionTime: "",
        },
      ],
      artifact: { revision: resolution.version, digest: `sha256:${resolution.digest}` },
    },
  };
}

function reconcileRelease(release: KubeObject, view: ControllerView, env: ControllerEnv): ControllerChange[] {
  if (booleanAt(release, ["spec", "suspend"]) === true || release.metadata.deletionTimestamp !== undefined) return [];
  const namespace = release.metadata.namespace ?? "default";
  const chartSpec = objectAt(release, ["spec", "chart", "spec"]);
  const chartName = stringAt(chartSpec, ["chart"]) ?? "";
  const sourceKind = stringAt(chartSpec, ["sourceRef", "kind"]) ?? "HelmRepository";
  const sourceName = stringAt(chartSpec, ["sourceRef", "name"]) ?? "";
  const sourceNamespace = stringAt(chartSpec, ["sourceRef", "namespace"]) ?? namespace;
  if (chartSpec === undefined || chartName === "")
    return failed(
      release,
      env,
      "ArtifactFailed",
      "spec.chart.spec.chart is required (the sandbox does not support chartRef)",
    );
  if (sourceKind !== "HelmRepository")
    return failed(
      release,
      env,
      "ArtifactFailed",
      `source kind ${sourceKind} is not supported by the sandbox; use a HelmRepository`,
    );
  const repository = listServedVersions(view, HELM_REPOSITORY_VERSIONS, "HelmRepository", sourceNamespace).find(
    (item) => item.metadata.name === sourceName,
  );
  if (repository === undefined)
    return failed(
      release,
      env,
      "ArtifactFailed",
      `HelmChart '${sourceNamespace}/${namespace}-${release.metadata.name ?? ""}' is not ready: ` +
        `HelmRepository '${sourceNamespace}/${sourceName}' not found`,
    );
  if (env.charts === undefined)
    return failed(
      release,
      env,
      "ArtifactFailed",
      `chart rendering unavailable: the sandbox has no chart catalog for chart "${chartName}"`,
    );
  const resolution = env.charts.resolve(
    stringAt(repository, ["spec", "url"]) ?? "",
    chartName,
    stringAt(chartSpec, ["version"]) ?? "*",
  );
  if (!resolution.ok) return failed(release, env, "ArtifactFailed", resolution.message);
  const changes: ControllerChange[] = [];
  const helmChart = helmChartObject(release, sourceNamespace, resolution);
  const liveChart = view.get(refOfObject(helmChart));
  if (liveChart === undefined) changes.push({ op: "create", object: helmChart });
  else if (!jsonEqual(liveChart.status, helmChart.status) || !jsonEqual(liveChart.spec, helmChart.spec)) {
    changes.push({
      op: "patch",
      ref: refOfObject(helmChart),
      body: { type: "merge", patch: { spec: helmChart.spec as JsonObject } },
    });
    changes.push({
      op: "patchStatus",
      ref: refOfObject(helmChart),
      body: { type: "merge", patch: { status: helmChart.status as JsonObject } },
    });
  }
  let values: JsonObject;
  try {
    values = composeReleaseValues(view, release);
  } catch (error) {
    if (error instanceof ValuesReferenceError)
      return [...changes, ...failed(release, env, "InitFailed", error.message)];
    throw error;
  }
  const releaseName = defaultReleaseName(release);
  const targetNamespace = stringAt(release, ["spec", "targetNamespace"]) ?? namespace;
  const storageNamespace = stringAt(release, ["spec", "storageNamespace"]) ?? namespace;
  const configDigest = `sha256:${sha256OfJson(values)}`;
  const history = readReleaseHistory(view, storageNamespace, releaseName);
  const latest = history[0];
  const helmChartRef = { helmChart: `${sourceNamespace}/${helmChart.metadata.name ?? ""}` };
  if (
    latest === undefined ||
    latest.chartVersion !== resolution.version ||
    latest.configDigest !== configDigest ||
    latest.digest !== resolution.digest
  ) {
    const action = latest === undefined ? "install" : "upgrade";
    let rendered: readonly KubeObject[];
    try {
      rendered = resolution.render({ releaseName, namespace: targetNamespace, values });
    } catch (error) {
      const reason = action === "install" ? "InstallFailed" : "UpgradeFailed";
      return [
        ...changes,
        ...failed(
          release,
          env,
          reason,
          `Helm ${action} failed for release ${storageNamespace}/${releaseName} ` +
            `with chart ${resolution.chart}@${resolution.version}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      ];
    }
    const manifest = prepareManifest(rendered, release, releaseName, targetNamespace);
    const hooks = prepareHooks(rendered, release, targetNamespace);
    const preHooks = runHooks(view, hooks, `pre-${action}`);
    if ("failure" in preHooks) {
      const reason = action === "install" ? "InstallFailed" : "UpgradeFailed";
      return [
        ...changes,
        ...failed(
          release,
          env,
          reason,
          `Helm ${action} failed for release ${storageNamespace}/${releaseName} ` +
            `with chart ${resolution.chart}@${resolution.version}: ${preHooks.failure}`,
        ),
      ];
    }
    const version = (latest?.version ?? 0) + 1;
    const stamp = formatTimestamp(env.now);
    const stored: StoredRelease = {
      name: releaseName,
      namespace: storageNamespace,
      version,
      status: action === "install" ? "pending-install" : "pending-upgrade",
      chartName: resolution.chart,
      chartVersion: resolution.version,
      appVersion: resolution.appVersion ?? "",
      configDigest,
      digest: resolution.digest,
      firstDeployed: history[history.length - 1]?.firstDeployed ?? stamp,
      lastDeployed: stamp,
      manifest,
      hooks,
    };
    changes.push(...preHooks.changes);
    changes.push(...applyManifest(view, release, latest?.manifest ?? [], manifest));
    changes.push({ op: "create", object: releaseSecret(stored, release) });
    changes.push(
      ...statusChange(release, env, {
        ready: {
          type: "Ready",
          status: "Unknown",
          reason: "Progressing",
          message: `Running '${action}' action with timeout of ${stringAt(release, ["spec", "timeout"]) ?? "5m0s"}`,
        },
        extra: {
          ...helmChartRef,
          lastAttemptedRevision: resolution.version,
          lastAttemptedConfigDigest: configDigest,
          lastAttemptedValuesChecksum: configDigest.slice(7, 47),
          lastAttemptedGeneration: release.metadata.generation ?? 1,
          lastAttemptedReleaseAction: action,
        },
      }),
    );
    return changes;
  }
  if (latest.status === "pending-install" || latest.status === "pending-upgrade") {
    if (!latest.manifest.every((object) => isReady(view, object))) return changes;
    const action = latest.status === "pending-install" ? "install" : "upgrade";
    const postHooks = runHooks(view, latest.hooks ?? [], `post-${action}`);
    if ("failure" in postHooks) {
      const reason = action === "install" ? "InstallFailed" : "UpgradeFailed";
      changes.push({
        op: "patch",
        ref: {
          apiVersion: "v1",
          kind: "Secret",
          name: releaseSecretName(latest.name, latest.version),
          namespace: storageNamespace,
        },
        body: { type: "merge", patch: { metadata: { labels: { status: "failed" } } } },
      });
      return [
        ...changes,
        ...failed(
          release,
          env,
          reason,
          `Helm ${action} failed for release ${storageNamespace}/${latest.name} ` +
            `with chart ${latest.chartName}@${latest.chartVersion}: ${postHooks.failure}`,
        ),
      ];
    }
    changes.push(...postHooks.changes);
    const deployed: StoredRelease = { ...latest, status: "deployed" };
    changes.push({
      op: "patch",
      ref: {
        apiVersion: "v1",
        kind: "Secret",
        name: releaseSecretName(latest.name, latest.version),
        namespace: storageNamespace,
      },
      body: { type: "merge", patch: { metadata: { labels: { status: "deployed" } } } },
    });
    const previous = history[1];
    if (previous !== undefined && previous.status === "deployed") {
      changes.push({
        op: "patch",
        ref: {
          apiVersion: "v1",
          kind: "Secret",
          name: releaseSecretName(previous.name, previous.version),
          namespace: storageNamespace,
        },
        body: { type: "merge", patch: { metadata: { labels: { status: "superseded" } } } },
      });
    }
    const message =
      `Helm ${action} succeeded for release ${storageNamespace}/${latest.name}.v${latest.version} ` +
      `with chart ${latest.chartName}@${latest.chartVersion}`;
    const reason = action === "install" ? "InstallSucceeded" : "UpgradeSucceeded";
    const snapshots = [
      deployed,
      ...history
        .slice(1)
        .map((item) => (item.status === "deployed" ? { ...item, status: "superseded" as const } : item)),
    ]
      .slice(0, 5)
      .map(historySnapshot);
    changes.push(
      ...statusChange(release, env, {
        ready: { type: "Ready", status: "True", reason, message },
        released: { type: "Released", status: "True", reason, message },
        extra: {
          ...helmChartRef,
          history: snapshots,
          lastAppliedRevision: latest.chartVersion,
          lastReleaseRevision: latest.version,
          lastAttemptedRevision: latest.chartVersion,
        },
      }),
    );
  }
  return changes;
}

/** The simulated helm-controller (HelmRelease), addon `fluxcd`. */
export const helmReleaseController: SimulatedController = {
  name: "helm-controller",
  addon: "fluxcd",
  reconcile(view, env) {
    return listServedVersions(view, HELM_RELEASE_VERSIONS, "HelmRelease").flatMap((release) =>
      reconcileRelease(release, view, env),
    );
  },
};
