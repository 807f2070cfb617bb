import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseYamlDocuments } from "../../../src/model/parse-yaml.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import type { MemorySandbox } from "../../support/sandbox.js";

/** The objects of a YAML file of the repository. */
export function objectsOf(file: string): KubeObject[] {
  const text = readFileSync(resolve(import.meta.dirname, "../../..", file), "utf8");
  return parseYamlDocuments(text, file).map((document) => document.value as unknown as KubeObject);
}

const ROLLOUT = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", namespace: "default" } as const;

export function argoRollout(sandbox: MemorySandbox, name = "rollouts-demo"): KubeObject {
  const found = sandbox.store.get({ ...ROLLOUT, name });
  if (found === undefined) throw new Error(`no Rollout ${name}`);
  return found;
}

export function argoStatus(sandbox: MemorySandbox, name = "rollouts-demo"): JsonObject {
  return (argoRollout(sandbox, name).status ?? {}) as JsonObject;
}

/** Sets the first container's image of a Rollout's template (what `kubectl argo rollouts set image` does). */
export function setRolloutImage(sandbox: MemorySandbox, image: string, name = "rollouts-demo"): void {
  const next = structuredClone(argoRollout(sandbox, name)) as KubeObject & {
    spec: { template: { spec: { containers: JsonObject[] } } };
  };
  const first = next.spec.template.spec.containers[0];
  if (first !== undefined) first.image = image;
  sandbox.store.update(next);
}

/** `kubectl argo rollouts promote`: clears the pause conditions (status patch). */
export function promote(sandbox: MemorySandbox, name = "rollouts-demo"): void {
  sandbox.store.patchStatus({ ...ROLLOUT, name }, { type: "merge", patch: { status: { pauseConditions: null } } });
}

/** `kubectl argo rollouts abort` / `retry`. */
export function setAbort(sandbox: MemorySandbox, abort: boolean, name = "rollouts-demo"): void {
  sandbox.store.patchStatus({ ...ROLLOUT, name }, { type: "merge", patch: { status: { abort } } });
}

/** Pods of the Rollout by image (not being deleted). */
export function podImages(sandbox: MemorySandbox, label = "rollouts-demo"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pod of sandbox.store.list("v1", "Pod", { namespace: "default" })) {
    if (pod.metadata.labels?.app !== label || pod.metadata.deletionTimestamp !== undefined) continue;
    const first = ((pod.spec as JsonObject).containers as JsonObject[])[0];
    const image = typeof first?.image === "string" ? first.image : "";
    out[image] = (out[image] ?? 0) + 1;
  }
  return out;
}
