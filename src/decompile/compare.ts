import type { KubeObject } from "../model/index.js";
import { canonicalJson, isJsonObject, toJsonValue, type JsonValue } from "../util/index.js";

/** One field the rendering sets to something else than the live object has. */
export interface FieldDifference {
  /** `Deployment default/web`. */
  readonly object: string;
  /** `spec.template.spec.containers[0].image`; empty when the whole object is missing. */
  readonly path: string;
  readonly live: JsonValue | undefined;
  readonly rendered: JsonValue | undefined;
  /** The field is in a pod template: applying it makes the controller replace every pod. */
  readonly restartsPods: boolean;
}

const POD_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CloneSet", "Job"]);

/**
 * Labels and annotations the application itself sets on what it applies (KubeVela's `app.oam.dev/…`
 * and `oam.dev/…` bookkeeping): they change on adoption anyway and restart nothing on object metadata.
 */
function isBookkeepingKey(key: string): boolean {
  return ["app.oam.dev/", "oam.dev/", "workload.oam.dev/", "trait.oam.dev/"].some((prefix) => key.startsWith(prefix));
}

/**
 * An API server stores Go structs: a zero value of an `omitempty` field (0, "", false, [], {}) is
 * stored as no field, so rendering one where the live object has none changes nothing.
 */
function isZeroValue(value: JsonValue): boolean {
  if (value === 0 || value === "" || value === false || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

/**
 * Values an API server fills in when a field is left out (`protocol: TCP` of a port, a probe's
 * period…): rendering one explicitly where the live object (a sandbox one) has none changes nothing.
 */
function isApiServerDefault(keys: readonly (string | number)[], value: JsonValue): boolean {
  const last = keys[keys.length - 1];
  const parent = keys[keys.length - 3];
  if (last === "protocol") return value === "TCP" && parent === "ports";
  if (last === "scheme") return value === "HTTP" && keys[keys.length - 2] === "httpGet";
  const probe = keys.slice(-2, -1)[0];
  if (typeof probe !== "string" || !probe.endsWith("Probe")) return false;
  const defaults: Readonly<Record<string, number>> = {
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  };
  return typeof last === "string" && defaults[last] === value;
}

function segment(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
  if (!plain) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * What applying `rendered` would change on `live`, field by field: every field the rendering sets
 * (the fields its definitions own) must hold the same value in the live object. Fields of the live
 * object the rendering does not set are not differences: server-side apply leaves them to their
 * manager. The object's own `app.oam.dev/` labels and annotations are skipped (adoption sets them).
 */
export function compareWithLive(rendered: KubeObject, live: KubeObject | undefined): FieldDifference[] {
  const object = `${rendered.kind} ${rendered.metadata.namespace ?? "default"}/${rendered.metadata.name ?? ""}`;
  if (live === undefined) return [{ object, path: "", live: undefined, rendered: "(created)", restartsPods: false }];
  const podTemplate = POD_TEMPLATE_KINDS.has(rendered.kind);
  const differences: FieldDifference[] = [];
  const visit = (
    want: JsonValue,
    have: JsonValue | undefined,
    path: string,
    keys: readonly (string | number)[],
  ): void => {
    const restartsPods = podTemplate && keys[0] === "spec" && keys[1] === "template";
    if (have === undefined) {
      if (!isZeroValue(want) && !isApiServerDefault(keys, want))
        differences.push({ object, path, live: undefined, rendered: want, restartsPods });
      return;
    }
    if (Array.isArray(want)) {
      if (!Array.isArray(have) || have.length !== want.length) {
        differences.push({ object, path, live: have, rendered: want, restartsPods });
        return;
      }
      want.forEach((item, index) => visit(item, have[index], segment(path, index), [...keys, index]));
      return;
    }
    if (isJsonObject(want)) {
      if (!isJsonObject(have)) {
        differences.push({ object, path, live: have, rendered: want, restartsPods });
        return;
      }
      for (const [key, value] of Object.entries(want)) {
        const metadataMap = (key === "labels" || key === "annotations") && keys.length === 1 && keys[0] === "metadata";
        if (metadataMap && isJsonObject(value)) {
          const haveMap = isJsonObject(have[key]) ? have[key] : {};
          for (const [name, text] of Object.entries(value))
            if (!isBookkeepingKey(name))
              visit(text, haveMap[name], segment(segment(path, key), name), [...keys, key, name]);
          continue;
        }
        visit(value, have[key], segment(path, key), [...keys, key]);
      }
      return;
    }
    if (canonicalJson(want) !== canonicalJson(have))
      differences.push({ object, path, live: have, rendered: want, restartsPods });
  };
  const wanted = toJsonValue(rendered);
  const current = toJsonValue(live);
  if (!isJsonObject(wanted) || !isJsonObject(current)) return differences;
  for (const key of ["metadata", "spec", "data", "stringData", "rules", "subjects", "roleRef"]) {
    const want = wanted[key];
    if (want === undefined) continue;
    if (key === "metadata") {
      if (isJsonObject(want)) {
        const subset = { labels: want.labels ?? {}, annotations: want.annotations ?? {} };
        visit(subset, current.metadata, "metadata", ["metadata"]);
      }
      continue;
    }
    visit(want, current[key], key, [key]);
  }
  return differences;
}
