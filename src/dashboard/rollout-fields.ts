import type { KubeObject } from "../model/index.js";
import type { JsonValue } from "../util/index.js";
import type { HeaderMatchView } from "./api-types.js";
import { fieldAt, objectsOf, textOf } from "./fields.js";

/** One canary step of a Kruise Rollout, read from `v1alpha1` (`weight`) or `v1beta1` (`traffic`). */
export interface RolloutStepFields {
  readonly weight?: number;
  readonly replicas?: string;
  /** `pause` is set: the step waits (`pauseDuration` absent = for a person). */
  readonly pauses: boolean;
  readonly pauseDuration?: string;
  readonly matches: readonly (readonly HeaderMatchView[])[];
}

function percent(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  const match = typeof value === "string" ? /^(\d+(?:\.\d+)?)%?$/.exec(value.trim()) : null;
  return match === null ? undefined : Number(match[1]);
}

/** The steps of a Rollout's canary strategy, as written. */
export function canaryStepsOf(rollout: KubeObject): RolloutStepFields[] {
  const beta = rollout.apiVersion.endsWith("/v1beta1");
  return objectsOf(fieldAt(rollout, "spec", "strategy", "canary", "steps")).map((step) => {
    const weight = beta ? percent(step.traffic) : percent(step.weight);
    const replicas = step.replicas;
    const pause = fieldAt(step, "pause");
    const duration = fieldAt(pause, "duration");
    return {
      ...(weight === undefined ? {} : { weight }),
      ...(typeof replicas === "number" || typeof replicas === "string" ? { replicas: String(replicas) } : {}),
      pauses: pause !== undefined && pause !== null,
      ...(typeof duration === "number" || typeof duration === "string" ? { pauseDuration: String(duration) } : {}),
      matches: objectsOf(step.matches).map((match) =>
        objectsOf(match.headers).map((header) => ({
          name: textOf(header.name) ?? "",
          value: textOf(header.value) ?? "",
          type: textOf(header.type) ?? "Exact",
        })),
      ),
    };
  });
}
