import type { AppfilePolicy } from "../appfile/index.js";
import { kubeObjectOf, type KubeObject } from "../model/kube-object.js";
import { cloneJson, isJsonObject, type JsonObject, type JsonValue, toJsonObject, toJsonValue } from "../util/index.js";

/**
 * The `apply-once` policy (KubeVela `pkg/resourcekeeper/statekeep.go` and `ApplyOncePolicySpec`):
 * which drift on the live objects vela-ts keeps instead of overwriting. vela-ts applies what it
 * renders with server-side apply and takes its own fields back from another field manager (force),
 * so drift is undone unless this policy says to keep it:
 *
 * - `enable: true` with no rules: objects are applied by the workflow's steps only; the state keep
 *   of a finished release no longer re-applies them (every drift is kept until the next release);
 * - with rules: for the objects a rule's `selector` matches (component names and types, COMPONENT
 *   or TRAIT, trait types, kinds, names — every list given must match), the fields at the rule's
 *   `strategy.path` (`spec.replicas`, `spec.template.spec.containers[0].resources`, `*` for the
 *   whole object) keep their live values, when the rule's `affect` says so: `onUpdate` (a step
 *   applies), `onStateKeep` (the state keep re-applies), or always (empty or `always`).
 */

/** When an object is applied: by a workflow step (`onUpdate`) or by the state keep (`onStateKeep`). */
export type ApplyStage = "onUpdate" | "onStateKeep";

/** What a selector is matched against. */
export interface AppliedObjectOrigin {
  readonly component: string;
  readonly componentType: string;
  /** The trait that rendered it; absent for the component's own outputs. */
  readonly trait?: string;
}

interface ApplyOnceRule {
  readonly selector: JsonObject;
  readonly paths: readonly string[];
  readonly affect: string;
}

/** The app's apply-once policy, read from its bound policies. */
export interface ApplyOncePolicy {
  readonly enabled: boolean;
  readonly rules: readonly ApplyOnceRule[];
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** The app's `apply-once` policy, or undefined when it has none (or it is not enabled). */
export function applyOncePolicyOf(policies: readonly AppfilePolicy[]): ApplyOncePolicy | undefined {
  const policy = policies.find((candidate) => candidate.type === "apply-once");
  if (policy === undefined || policy.properties.enable !== true) return undefined;
  const rules = Array.isArray(policy.properties.rules) ? policy.properties.rules.filter(isJsonObject) : [];
  return {
    enabled: true,
    rules: rules.map((rule) => {
      const strategy = isJsonObject(rule.strategy) ? rule.strategy : {};
      return {
        selector: isJsonObject(rule.selector) ? rule.selector : {},
        paths: strings(strategy.path),
        affect: typeof strategy.affect === "string" ? strategy.affect : "",
      };
    }),
  };
}

/** Whether the state keep re-applies anything (`enable: true` without rules turns it off). */
export function stateKeepEnabled(policy: ApplyOncePolicy | undefined): boolean {
  return policy === undefined || policy.rules.length > 0;
}

/** Whether a policy rule's `selector` (KubeVela's ResourcePolicyRuleSelector: every list given must match) covers an object. */
export function selectorMatches(selector: JsonObject, object: KubeObject, origin: AppliedObjectOrigin): boolean {
  const checks: [string, string | undefined][] = [
    ["componentNames", origin.component],
    ["componentTypes", origin.componentType],
    ["oamTypes", origin.trait === undefined ? "COMPONENT" : "TRAIT"],
    ["traitTypes", origin.trait],
    ["resourceTypes", object.kind],
    ["resourceNames", object.metadata.name],
  ];
  return checks.every(([key, value]) => {
    const wanted = strings(selector[key]);
    return wanted.length === 0 || (value !== undefined && wanted.includes(value));
  });
}

/** `spec.template.spec.containers[0].resources` / `metadata.annotations["a.b/c"]` → segments. */
export function parseFieldPath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(match[3] ?? match[4] ?? "");
  }
  return segments;
}

function valueAt(root: JsonValue, segments: readonly (string | number)[]): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const segment of segments) {
    if (typeof segment === "number") current = Array.isArray(current) ? current[segment] : undefined;
    else current = isJsonObject(current) ? current[segment] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

function setAt(root: JsonObject, segments: readonly (string | number)[], value: JsonValue): void {
  let current: JsonValue = root;
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    const next = segments[index + 1];
    if (typeof segment === "number") {
      if (!Array.isArray(current)) return;
      if (last) current[segment] = value;
      else current = current[segment] ?? (current[segment] = typeof next === "number" ? [] : {});
    } else if (isJsonObject(current)) {
      if (last) current[segment] = value;
      else current = current[segment] ?? (current[segment] = typeof next === "number" ? [] : {});
    }
  });
}

/**
 * The object to apply: `object` with the live values kept where an apply-once rule covering it says
 * so at this stage (a path the live object does not have keeps the rendered value); undefined when
 * the rule keeps the whole live object (`path: ["*"]`): then it is not applied at all.
 */
export function keepAllowedDrift(
  object: KubeObject,
  live: KubeObject | undefined,
  policy: ApplyOncePolicy | undefined,
  stage: ApplyStage,
  origin: AppliedObjectOrigin,
): KubeObject | undefined {
  if (policy === undefined || live === undefined) return object;
  const rule = policy.rules.find((candidate) => selectorMatches(candidate.selector, object, origin));
  if (rule === undefined || !(rule.affect === "" || rule.affect === "always" || rule.affect === stage)) return object;
  if (rule.paths.includes("*")) return undefined;
  const result = cloneJson(toJsonObject(object));
  for (const path of rule.paths) {
    const segments = parseFieldPath(path);
    const kept = valueAt(toJsonValue(live), segments);
    if (segments.length > 0 && kept !== undefined) setAt(result, segments, cloneJson(kept));
  }
  return kubeObjectOf(result, `${object.kind}/${object.metadata.name ?? ""} with its kept fields`);
}
