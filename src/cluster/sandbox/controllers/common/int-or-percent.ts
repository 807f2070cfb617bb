import type { JsonValue } from "../../../../util/index.js";

/**
 * Kubernetes' `intstr.GetScaledValueFromIntOrPercent`: an int is returned as is; `"N%"` is scaled
 * against `total`, rounding up or down. Returns undefined for anything else (a bare string without `%`
 * is an error upstream).
 */
export function scaledValue(value: JsonValue | undefined, total: number, roundUp: boolean): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (match === null) return undefined;
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** True for `"N%"` strings. */
export function isPercent(value: JsonValue | undefined): value is string {
  return typeof value === "string" && /^\d+(?:\.\d+)?%$/.test(value.trim());
}
