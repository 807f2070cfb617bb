import { isJsonObject, type JsonValue } from "../util/index.js";
import type { MetricReading, MetricSources } from "./provider.js";

/** The steps of a simple JSONPath: `{$.data.items[0].ratio}`, `$.data.ratio` or `data.ratio`. */
export function parseJsonPath(path: string): (string | number)[] | undefined {
  let text = path.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1).trim();
  if (text.startsWith("$")) text = text.slice(1);
  const steps: (string | number)[] = [];
  const pattern = /\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  if (text !== "" && !text.startsWith(".") && !text.startsWith("[")) text = `.${text}`;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (match === null) return undefined;
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push(match[3] ?? match[4] ?? "");
    index = pattern.lastIndex;
  }
  return steps;
}

function pick(value: JsonValue, steps: readonly (string | number)[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const step of steps) {
    if (typeof step === "number") current = Array.isArray(current) ? current[step] : undefined;
    else current = isJsonObject(current) ? current[step] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/** The `web` provider (Argo's web metric): `GET url`, the JSON answer's value at `jsonPath`. */
export async function readWebMetric(
  url: string,
  jsonPath: string,
  headers: Readonly<Record<string, string>>,
  sources: MetricSources,
): Promise<MetricReading> {
  const steps = parseJsonPath(jsonPath);
  if (steps === undefined) return { kind: "error", message: `jsonPath ${JSON.stringify(jsonPath)} does not read` };
  if (sources.http === undefined) return { kind: "error", message: `no network access to reach ${url}` };
  let response;
  try {
    response = await sources.http({ url, method: "GET", headers: { Accept: "application/json", ...headers } });
  } catch (error) {
    return { kind: "error", message: `${url} did not answer: ${(error as Error).message}` };
  }
  if (response.status < 200 || response.status >= 300)
    return { kind: "error", message: `${url} answered HTTP ${response.status}` };
  let body: JsonValue;
  try {
    body = JSON.parse(response.body) as JsonValue;
  } catch {
    return { kind: "error", message: `${url} did not answer JSON` };
  }
  const found = pick(body, steps);
  if (found === undefined || found === null) return { kind: "no-data", message: `${url}: nothing at ${jsonPath}` };
  const number =
    typeof found === "number"
      ? found
      : typeof found === "string"
        ? Number(found)
        : typeof found === "boolean"
          ? Number(found)
          : NaN;
  if (Array.isArray(found) && found.every((item) => typeof item === "number")) return { kind: "value", value: found };
  return Number.isFinite(number)
    ? { kind: "value", value: number }
    : { kind: "error", message: `${url}: the value at ${jsonPath} is not a number` };
}
