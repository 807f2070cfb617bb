import { isJsonObject, type JsonValue } from "../../../../util/index.js";

/**
 * Label selector matching as the API server does it: a `matchLabels` map plus
 * `matchExpressions` (In, NotIn, Exists, DoesNotExist), or a plain map (Service `spec.selector`).
 */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: JsonValue | undefined): boolean {
  if (!isJsonObject(selector)) return false;
  const hasStructure = "matchLabels" in selector || "matchExpressions" in selector;
  const matchLabels = hasStructure ? selector.matchLabels : selector;
  if (isJsonObject(matchLabels)) {
    for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  }
  const expressions = hasStructure && Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const expression of expressions) {
    if (!isJsonObject(expression) || typeof expression.key !== "string") return false;
    const values = Array.isArray(expression.values)
      ? expression.values.filter((v): v is string => typeof v === "string")
      : [];
    const present = Object.hasOwn(labels, expression.key);
    const value = labels[expression.key];
    switch (expression.operator) {
      case "In":
        if (!present || value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (present && value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A plain map selector (Service style) matches when every pair is in the labels; an empty map matches nothing. */
export function matchesMapSelector(
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>>,
): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}
