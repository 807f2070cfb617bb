/**
 * The canary Ingress annotations Kruise writes for ingress-nginx (`openkruise/rollouts`
 * `lua_configuration/trafficrouting_ingress/nginx.lua`): start from the stable Ingress's
 * annotations, set `canary: "true"`, drop previous canary-by-* and weight keys, then the step's
 * weight (`canary-weight`) and, for each match, its first header only — a header named
 * `canary-by-cookie` becomes `canary-by-cookie: <value>`, any other becomes `canary-by-header`
 * plus `-value` (Exact) or `-pattern` (RegularExpression). With several matches the last one wins.
 */
import type { RolloutStep } from "./api.js";

export const NGINX_PREFIX = "nginx.ingress.kubernetes.io/";
export const NGINX_CANARY = `${NGINX_PREFIX}canary`;
export const NGINX_CANARY_WEIGHT = `${NGINX_PREFIX}canary-weight`;
export const NGINX_CANARY_WEIGHT_TOTAL = `${NGINX_PREFIX}canary-weight-total`;
export const NGINX_CANARY_BY_HEADER = `${NGINX_PREFIX}canary-by-header`;
export const NGINX_CANARY_BY_HEADER_VALUE = `${NGINX_PREFIX}canary-by-header-value`;
export const NGINX_CANARY_BY_HEADER_PATTERN = `${NGINX_PREFIX}canary-by-header-pattern`;
export const NGINX_CANARY_BY_COOKIE = `${NGINX_PREFIX}canary-by-cookie`;

const CANARY_KEYS = [
  NGINX_CANARY_WEIGHT,
  NGINX_CANARY_WEIGHT_TOTAL,
  NGINX_CANARY_BY_HEADER,
  NGINX_CANARY_BY_HEADER_VALUE,
  NGINX_CANARY_BY_HEADER_PATTERN,
  NGINX_CANARY_BY_COOKIE,
];

/** The canary Ingress's annotations for a step (or for "weight 0, no matches" when `step` is undefined). */
export function canaryIngressAnnotations(
  stableAnnotations: Readonly<Record<string, string>>,
  step: Pick<RolloutStep, "weight" | "matches"> | undefined,
): Record<string, string> {
  const out: Record<string, string> = { ...stableAnnotations };
  for (const key of CANARY_KEYS) delete out[key];
  out[NGINX_CANARY] = "true";
  if (step === undefined) {
    out[NGINX_CANARY_WEIGHT] = "0";
    return out;
  }
  if (step.weight !== undefined) out[NGINX_CANARY_WEIGHT] = String(step.weight);
  for (const match of step.matches) {
    const header = match[0];
    if (header === undefined) continue;
    if (header.name === "canary-by-cookie") {
      out[NGINX_CANARY_BY_COOKIE] = header.value;
      continue;
    }
    out[NGINX_CANARY_BY_HEADER] = header.name;
    if (header.type === "RegularExpression") out[NGINX_CANARY_BY_HEADER_PATTERN] = header.value;
    else out[NGINX_CANARY_BY_HEADER_VALUE] = header.value;
  }
  return out;
}
