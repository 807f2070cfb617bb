/**
 * Simulated Flux source-controller for HelmRepository (`fluxcd/source-controller`
 * `internal/controller/helmrepository_controller.go`, API `api/v1/helmrepository_types.go`):
 * a `type: default` repository is "fetched" through the sandbox's chart catalog (a mirror
 * directory or a loopback URL) and gets `Ready=True` with `status.artifact {path, url, revision,
 * digest, lastUpdateTime}` and `status.url` (the in-cluster URL of the stored index); an unknown
 * URL gets `Ready=False` reason `FetchFailed` naming the `vela-ts sandbox charts add` fix.
 * `type: oci` repositories are static (Ready, no artifact). `suspend: true` is left alone.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { formatTimestamp, jsonEqual, sha256OfJson, type JsonObject } from "../../../../util/index.js";
import type { ControllerChange, ControllerEnv, SimulatedController } from "../../controller-contract.js";
import { isNoMirror, normalizeRepositoryUrl } from "../../charts/resolution.js";
import { setCondition, type ConditionInput } from "../common/conditions.js";
import { booleanAt, objectAt, stringAt, valueAt } from "../common/fields.js";
import { listServedVersions } from "../common/versions.js";
import { HELM_REPOSITORY_VERSIONS, SOURCE_CONTROLLER_HOST } from "./api.js";

/** What the repository's Ready condition should say, without touching the status. */
export function repositoryReadiness(repository: KubeObject, env: ControllerEnv): ConditionInput {
  const url = stringAt(repository, ["spec", "url"]) ?? "";
  if (stringAt(repository, ["spec", "type"]) === "oci")
    return { type: "Ready", status: "True", reason: "Succeeded", message: "Helm repository is Ready" };
  const fix = `add one with: vela-ts sandbox charts add ${normalizeRepositoryUrl(url)} <dir>`;
  if (!/^(https?|oci):\/\//.test(url))
    return {
      type: "Ready",
      status: "False",
      reason: "URLInvalid",
      message: `invalid Helm repository URL "${url}": must start with http://, https:// or oci://`,
    };
  if (env.charts === undefined)
    return {
      type: "Ready",
      status: "False",
      reason: "FetchFailed",
      message: `failed to fetch Helm repository index: no chart mirror configured for ${normalizeRepositoryUrl(url)}; ${fix}`,
    };
  const probe = env.charts.resolve(url, "", "*");
  if (isNoMirror(probe))
    return {
      type: "Ready",
      status: "False",
      reason: "FetchFailed",
      message: `failed to fetch Helm repository index: no mirror for ${normalizeRepositoryUrl(url)}; ${fix}`,
    };
  if (!probe.ok && probe.reason !== "ChartNotFound")
    return {
      type: "Ready",
      status: "False",
      reason: "FetchFailed",
      message: `failed to fetch Helm repository index: ${probe.message}`,
    };
  const digest = sha256OfJson(normalizeRepositoryUrl(url));
  return {
    type: "Ready",
    status: "True",
    reason: "Succeeded",
    message: `stored artifact: revision 'sha256:${digest}'`,
  };
}

function reconcileRepository(repository: KubeObject, env: ControllerEnv): ControllerChange[] {
  if (booleanAt(repository, ["spec", "suspend"]) === true) return [];
  const generation = repository.metadata.generation ?? 1;
  const ready = repositoryReadiness(repository, env);
  const status: JsonObject = structuredClone(objectAt(repository, ["status"]) ?? {});
  status.observedGeneration = generation;
  status.conditions = setCondition(valueAt(repository, ["status", "conditions"]), ready, env.now, {
    withUpdateTime: false,
    observedGeneration: generation,
  });
  const url = stringAt(repository, ["spec", "url"]) ?? "";
  const namespace = repository.metadata.namespace ?? "default";
  const name = repository.metadata.name ?? "";
  if (ready.status === "True" && stringAt(repository, ["spec", "type"]) !== "oci") {
    const digest = sha256OfJson(normalizeRepositoryUrl(url));
    const path = `helmrepository/${namespace}/${name}/index-${digest}.yaml`;
    const previous = objectAt(repository, ["status", "artifact"]);
    status.artifact =
      previous !== undefined && previous.revision === `sha256:${digest}`
        ? previous
        : {
            path,
            url: `${SOURCE_CONTROLLER_HOST}/${path}`,
            revision: `sha256:${digest}`,
            digest: `sha256:${digest}`,
            lastUpdateTime: formatTimestamp(env.now),
          };
    status.url = `${SOURCE_CONTROLLER_HOST}/helmrepository/${namespace}/${name}/index.yaml`;
  } else {
    delete status.artifact;
    delete status.url;
  }
  return jsonEqual(valueAt(repository, ["status"]) ?? {}, status)
    ? []
    : [{ op: "updateStatus", object: { ...repository, status: status } }];
}

/** The simulated source-controller (HelmRepository), addon `fluxcd`. */
export const helmRepositoryController: SimulatedController = {
  name: "source-controller",
  addon: "fluxcd",
  reconcile(view, env) {
    return listServedVersions(view, HELM_REPOSITORY_VERSIONS, "HelmRepository").flatMap((repository) =>
      reconcileRepository(repository, env),
    );
  },
};
