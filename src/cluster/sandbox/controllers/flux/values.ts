/**
 * HelmRelease values composition (`fluxcd/helm-controller` `internal/chartutil/values.go`
 * `ChartValuesFromReferences`, as ROLLOUT-SEMANTICS §6.1 states it): `valuesFrom` entries merged
 * in order (later wins; maps merge, everything else replaces), then inline `values` on top; an
 * entry with `targetPath` sets one value at a `--set`-style path and wins over everything before
 * it, inline values included. `valuesKey` defaults to `values.yaml`; `optional: true` ignores only
 * a missing object or key.
 */
import { parseYamlValue } from "../../../../model/parse-yaml.js";
import { applySetValue } from "../../../../chart/index.js";
import type { KubeObject } from "../../../../model/kube-object.js";
import { displayText, isJsonObject, type JsonObject } from "../../../../util/index.js";
import type { ControllerView } from "../../controller-contract.js";
import { objectAt, objectsAt, stringAt } from "../common/fields.js";

/** Flux's `transform.MergeMaps`: maps merge recursively, `b` wins for everything else. */
export function mergeMaps(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const current = out[key];
    out[key] = isJsonObject(current) && isJsonObject(value) ? mergeMaps(current, value) : structuredClone(value);
  }
  return out;
}

/** Why values could not be composed (Ready=False, reason InitFailed). */
export class ValuesReferenceError extends Error {}

function readReference(view: ControllerView, release: KubeObject, reference: JsonObject): string | undefined {
  const kind = reference.kind === "Secret" ? "Secret" : "ConfigMap";
  const name = typeof reference.name === "string" ? reference.name : "";
  const key =
    typeof reference.valuesKey === "string" && reference.valuesKey !== "" ? reference.valuesKey : "values.yaml";
  const namespace = release.metadata.namespace ?? "default";
  const object = view.get({ apiVersion: "v1", kind, name, namespace });
  const optional = reference.optional === true;
  const describe = `${kind} '${namespace}/${name}'`;
  if (object === undefined) {
    if (optional) return undefined;
    throw new ValuesReferenceError(`could not resolve ${describe} chart values reference with key '${key}': not found`);
  }
  const text =
    kind === "Secret"
      ? decodeSecret(objectAt(object, ["data"]), objectAt(object, ["stringData"]), key)
      : stringAt(object, ["data", key]);
  if (text === undefined) {
    if (optional) return undefined;
    throw new ValuesReferenceError(`missing key '${key}' in ${describe}`);
  }
  return text;
}

function decodeSecret(
  data: JsonObject | undefined,
  stringData: JsonObject | undefined,
  key: string,
): string | undefined {
  const plain = stringData?.[key];
  if (typeof plain === "string") return plain;
  const encoded = data?.[key];
  return typeof encoded === "string" ? Buffer.from(encoded, "base64").toString("utf8") : undefined;
}

/** The values a HelmRelease installs with. Throws {@link ValuesReferenceError} for a missing required reference. */
export function composeReleaseValues(view: ControllerView, release: KubeObject): JsonObject {
  let merged: JsonObject = {};
  const targeted: { readonly path: string; readonly value: string }[] = [];
  for (const reference of objectsAt(release, ["spec", "valuesFrom"])) {
    const text = readReference(view, release, reference);
    if (text === undefined) continue;
    const targetPath = typeof reference.targetPath === "string" ? reference.targetPath : "";
    if (targetPath !== "") {
      targeted.push({ path: targetPath, value: text });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parseYamlValue(text, "the referenced values");
    } catch (error) {
      const key = typeof reference.valuesKey === "string" ? reference.valuesKey : "values.yaml";
      const detail = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
      throw new ValuesReferenceError(
        `unable to read values from key '${key}' in ${displayText(reference.kind)} '${displayText(reference.name)}': ${detail}`,
      );
    }
    if (isJsonObject(parsed)) merged = mergeMaps(merged, parsed);
  }
  const inline = objectAt(release, ["spec", "values"]);
  if (inline !== undefined) merged = mergeMaps(merged, inline);
  for (const { path, value } of targeted) {
    merged = applySetValue(merged, `${path}=${value.trim()}`) as JsonObject;
  }
  return merged;
}
