import { ClusterError } from "../errors/index.js";

/**
 * One requirement of a Kubernetes label selector, as `k8s.io/apimachinery/pkg/labels` parses them:
 * `a=b` / `a==b` (equals), `a!=b` (notEquals: also matches objects without the label), `a in (x,y)`,
 * `a notin (x,y)` (also matches objects without the label), `a` (exists), `!a` (doesNotExist).
 */
export type LabelRequirement =
  | { readonly operator: "equals"; readonly key: string; readonly value: string }
  | { readonly operator: "notEquals"; readonly key: string; readonly value: string }
  | { readonly operator: "in"; readonly key: string; readonly values: readonly string[] }
  | { readonly operator: "notIn"; readonly key: string; readonly values: readonly string[] }
  | { readonly operator: "exists"; readonly key: string }
  | { readonly operator: "doesNotExist"; readonly key: string };

/** A parsed label selector: every requirement must hold (AND). Empty = matches everything. */
export type LabelSelector = readonly LabelRequirement[];

/** A field selector requirement (`metadata.name=x`, `metadata.namespace!=y`). */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: "equals" | "notEquals";
  readonly value: string;
}

const SELECTOR_HINT =
  "label selectors look like `app=web`, `tier!=db`, `env in (prod,staging)`, `env notin (dev)`, `canary`, `!canary`, joined by commas";

// Label keys: optional DNS-subdomain prefix + "/" + name of 63 chars [A-Za-z0-9._-], alphanumeric at the ends.
const NAME_PART = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const PREFIX_PART = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

function invalid(selector: string, why: string): ClusterError {
  return new ClusterError("E_SELECTOR_INVALID", `invalid label selector "${selector}": ${why}`, {
    hint: SELECTOR_HINT,
  });
}

/** True when `key` is a valid label key (`[prefix/]name`). */
export function isValidLabelKey(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return NAME_PART.test(key);
  return PREFIX_PART.test(key.slice(0, slash)) && NAME_PART.test(key.slice(slash + 1));
}

/** True when `value` is a valid label value (empty allowed). */
export function isValidLabelValue(value: string): boolean {
  return VALUE.test(value);
}

type Token =
  | { readonly type: "word"; readonly text: string }
  | { readonly type: "op"; readonly text: "=" | "==" | "!=" | "!" | "(" | ")" | "," };

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < selector.length) {
    const char = selector[index] ?? "";
    if (char === " " || char === "\t") {
      index++;
    } else if (selector.startsWith("==", index) || selector.startsWith("!=", index)) {
      tokens.push({ type: "op", text: selector.slice(index, index + 2) as "==" | "!=" });
      index += 2;
    } else if (char === "=" || char === "!" || char === "(" || char === ")" || char === ",") {
      tokens.push({ type: "op", text: char });
      index++;
    } else {
      let end = index;
      while (end < selector.length && !" \t=!(),".includes(selector[end] ?? "")) end++;
      tokens.push({ type: "word", text: selector.slice(index, end) });
      index = end;
    }
  }
  return tokens;
}

/**
 * Parses a label selector string. Throws `E_SELECTOR_INVALID` (with the accepted syntax as hint)
 * on anything `kubectl -l` would reject.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const tokens = tokenize(selector);
  const requirements: LabelRequirement[] = [];
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const checkKey = (key: string): string => {
    if (!isValidLabelKey(key)) throw invalid(selector, `"${key}" is not a valid label key`);
    return key;
  };
  const checkValue = (value: string): string => {
    if (!isValidLabelValue(value)) throw invalid(selector, `"${value}" is not a valid label value`);
    return value;
  };
  if (tokens.length === 0) return [];
  for (;;) {
    const first = peek();
    if (first === undefined) throw invalid(selector, 'expected a requirement after ","');
    if (first.type === "op" && first.text === "!") {
      position++;
      const key = peek();
      if (key?.type !== "word") throw invalid(selector, 'expected a label key after "!"');
      position++;
      requirements.push({ operator: "doesNotExist", key: checkKey(key.text) });
    } else if (first.type === "word") {
      position++;
      const key = checkKey(first.text);
      const next = peek();
      if (next === undefined || (next.type === "op" && next.text === ",")) {
        requirements.push({ operator: "exists", key });
      } else if (next.type === "op" && (next.text === "=" || next.text === "==" || next.text === "!=")) {
        position++;
        const valueToken = peek();
        let value = "";
        if (valueToken?.type === "word") {
          value = valueToken.text;
          position++;
        } else if (valueToken !== undefined && !(valueToken.type === "op" && valueToken.text === ",")) {
          throw invalid(selector, `unexpected "${valueToken.text}" after "${key}${next.text}"`);
        }
        requirements.push(
          next.text === "!="
            ? { operator: "notEquals", key, value: checkValue(value) }
            : { operator: "equals", key, value: checkValue(value) },
        );
      } else if (next.type === "word" && (next.text === "in" || next.text === "notin")) {
        position++;
        const open = peek();
        if (!(open?.type === "op" && open.text === "("))
          throw invalid(selector, `expected "(" after "${key} ${next.text}"`);
        position++;
        const values: string[] = [];
        for (;;) {
          const item = peek();
          if (item === undefined) throw invalid(selector, 'missing ")"');
          if (item.type === "op" && item.text === ")") {
            position++;
            break;
          }
          if (item.type === "word") {
            values.push(checkValue(item.text));
            position++;
          } else if (item.type === "op" && item.text === ",") {
            position++;
          } else {
            throw invalid(selector, `unexpected "${item.text}" in value list`);
          }
        }
        if (values.length === 0) throw invalid(selector, `"${key} ${next.text}" needs at least one value`);
        requirements.push(next.text === "in" ? { operator: "in", key, values } : { operator: "notIn", key, values });
      } else {
        throw invalid(selector, `unexpected "${next.text}" after "${key}"`);
      }
    } else {
      throw invalid(selector, `unexpected "${first.text}"`);
    }
    const separator = peek();
    if (separator === undefined) break;
    if (!(separator.type === "op" && separator.text === ","))
      throw invalid(selector, `expected "," before "${separator.text}"`);
    position++;
  }
  return requirements;
}

/** True when `labels` satisfy every requirement. */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const map = labels ?? {};
  return selector.every((requirement) => {
    const has = Object.hasOwn(map, requirement.key);
    const value = map[requirement.key];
    switch (requirement.operator) {
      case "equals":
        return has && value === requirement.value;
      case "notEquals":
        return !has || value !== requirement.value;
      case "in":
        return has && requirement.values.includes(value ?? "");
      case "notIn":
        return !has || !requirement.values.includes(value ?? "");
      case "exists":
        return has;
      case "doesNotExist":
        return !has;
    }
  });
}

/**
 * The selector of a `matchLabels`/`matchExpressions` object (Deployment `spec.selector`,
 * Service selectors are plain maps and go through `matchLabels`).
 */
export function selectorFromLabelSelectorObject(object: {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }[];
}): LabelSelector {
  const requirements: LabelRequirement[] = Object.entries(object.matchLabels ?? {}).map(([key, value]) => ({
    operator: "equals",
    key,
    value,
  }));
  for (const expression of object.matchExpressions ?? []) {
    const values = expression.values ?? [];
    switch (expression.operator) {
      case "In":
        requirements.push({ operator: "in", key: expression.key, values });
        break;
      case "NotIn":
        requirements.push({ operator: "notIn", key: expression.key, values });
        break;
      case "Exists":
        requirements.push({ operator: "exists", key: expression.key });
        break;
      case "DoesNotExist":
        requirements.push({ operator: "doesNotExist", key: expression.key });
        break;
      default:
        throw new ClusterError("E_SELECTOR_INVALID", `unknown match expression operator "${expression.operator}"`, {
          hint: "use In, NotIn, Exists or DoesNotExist",
        });
    }
  }
  return requirements;
}

/** Formats a parsed selector back into its string form (`a=b,c in (x,y)`). */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map((requirement) => {
      switch (requirement.operator) {
        case "equals":
          return `${requirement.key}=${requirement.value}`;
        case "notEquals":
          return `${requirement.key}!=${requirement.value}`;
        case "in":
          return `${requirement.key} in (${requirement.values.join(",")})`;
        case "notIn":
          return `${requirement.key} notin (${requirement.values.join(",")})`;
        case "exists":
          return requirement.key;
        case "doesNotExist":
          return `!${requirement.key}`;
      }
    })
    .join(",");
}

const FIELD_HINT = "field selectors look like `metadata.name=web` or `metadata.namespace!=kube-system`";

/** Parses a field selector (`metadata.name=x,metadata.namespace!=y`). Only `=`, `==` and `!=` exist. */
export function parseFieldSelector(selector: string): readonly FieldRequirement[] {
  if (selector.trim() === "") return [];
  return selector.split(",").map((part) => {
    const match = /^\s*([A-Za-z0-9_.-]+)\s*(==|!=|=)\s*([^\s,]*)\s*$/.exec(part);
    if (match === null)
      throw new ClusterError(
        "E_SELECTOR_INVALID",
        `invalid field selector "${selector}": cannot parse "${part.trim()}"`,
        { hint: FIELD_HINT },
      );
    const [, field = "", operator = "", value = ""] = match;
    return { field, operator: operator === "!=" ? "notEquals" : "equals", value };
  });
}

/** True when every field requirement holds; `read(field)` gives the object's value of a field path. */
export function matchesFieldSelector(
  requirements: readonly FieldRequirement[],
  read: (field: string) => string | undefined,
): boolean {
  return requirements.every((requirement) => {
    const value = read(requirement.field) ?? "";
    return requirement.operator === "equals" ? value === requirement.value : value !== requirement.value;
  });
}
