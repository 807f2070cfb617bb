/**
 * What a request path names in the Kubernetes REST layout:
 * `/api/v1[/namespaces/NS]/PLURAL[/NAME[/SUBRESOURCE]]` and the same under `/apis/GROUP/VERSION`.
 */
export type ApiRoute =
  | { readonly type: "version" }
  | { readonly type: "coreVersions" }
  | { readonly type: "groupList" }
  | { readonly type: "group"; readonly group: string }
  | { readonly type: "resourceList"; readonly group: string; readonly version: string }
  | { readonly type: "openapiRoot" }
  | { readonly type: "openapiGroupVersion"; readonly group: string; readonly version: string }
  | { readonly type: "openapiV2" }
  | {
      readonly type: "resource";
      readonly group: string;
      readonly version: string;
      readonly plural: string;
      /** Absent = all namespaces (or a cluster-scoped kind). */
      readonly namespace?: string;
      /** Absent = the collection. */
      readonly name?: string;
      readonly subresource?: string;
    }
  | { readonly type: "unknown" };

function resource(group: string, version: string, rest: readonly string[]): ApiRoute {
  const [first, second, third, fourth, fifth, ...extra] = rest;
  if (first === undefined || extra.length > 0) return { type: "unknown" };
  // `namespaces/NAME[/status]` is the Namespace object itself; `namespaces/NS/PLURAL…` is scoping.
  if (
    first === "namespaces" &&
    second !== undefined &&
    third !== undefined &&
    !(fourth === undefined && (third === "status" || third === "finalize"))
  ) {
    return {
      type: "resource",
      group,
      version,
      plural: third,
      namespace: second,
      ...(fourth === undefined ? {} : { name: fourth }),
      ...(fifth === undefined ? {} : { subresource: fifth }),
    };
  }
  if (fourth !== undefined) return { type: "unknown" };
  return {
    type: "resource",
    group,
    version,
    plural: first,
    ...(second === undefined ? {} : { name: second }),
    ...(third === undefined ? {} : { subresource: third }),
  };
}

/** Parses a URL path (without the query) into a route. */
export function parseRoute(pathname: string): ApiRoute {
  const segments = pathname
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => decodeURIComponent(segment));
  const [root, a, b, ...rest] = segments;
  if (root === "version" && a === undefined) return { type: "version" };
  if (root === "openapi") {
    if (a === "v2") return { type: "openapiV2" };
    if (a !== "v3") return { type: "unknown" };
    if (b === undefined) return { type: "openapiRoot" };
    if (b === "api" && rest.length === 1) return { type: "openapiGroupVersion", group: "", version: rest[0] ?? "" };
    if (b === "apis" && rest.length === 2)
      return { type: "openapiGroupVersion", group: rest[0] ?? "", version: rest[1] ?? "" };
    return { type: "unknown" };
  }
  if (root === "api") {
    if (a === undefined) return { type: "coreVersions" };
    if (b === undefined) return { type: "resourceList", group: "", version: a };
    return resource("", a, [b, ...rest]);
  }
  if (root === "apis") {
    if (a === undefined) return { type: "groupList" };
    if (b === undefined) return { type: "group", group: a };
    if (rest.length === 0) return { type: "resourceList", group: a, version: b };
    return resource(a, b, rest);
  }
  return { type: "unknown" };
}
