import type { KubeObject } from "../../model/kube-object.js";
import { LABEL_APP_COMPONENT } from "../../model/labels.js";
import { formatTable } from "./table.js";
import { resourceNameOf, toYaml, type Printable } from "./printer.js";

/** Rendered objects as a YAML stream (`---` between documents), as `kubectl apply -f` reads them. */
export function yamlStream(objects: readonly KubeObject[]): string {
  return objects.map((object) => toYaml(object)).join("---\n");
}

/** `-o name` of an object: `deployment.apps/web`. */
export function objectName(object: KubeObject): string {
  return `${resourceNameOf(object.apiVersion, object.kind)}/${metadataOf(object).name ?? ""}`;
}

/** Rendered output is checked loosely: an object without metadata still prints. */
function metadataOf(object: KubeObject): Partial<KubeObject["metadata"]> {
  const metadata: KubeObject["metadata"] | undefined = object.metadata;
  return metadata ?? {};
}

/**
 * Rendered objects (`dry-run`, `def render`, `chart template`) as a read command prints them: a YAML
 * stream by default (`stream` when the command adds headers), a JSON List, `-o name`, JSONPath and
 * custom columns over the List, and `-o wide` as a table of what is there.
 */
export function objectsPrintable(
  objects: readonly KubeObject[],
  stream: () => string = () => yamlStream(objects),
): Printable {
  return {
    data: { items: objects },
    names: () => objects.map(objectName),
    human: ({ wide }) =>
      wide
        ? formatTable(
            ["NAME", "NAMESPACE", "COMPONENT", "API VERSION"],
            objects.map((object) => [
              objectName(object),
              metadataOf(object).namespace ?? "",
              metadataOf(object).labels?.[LABEL_APP_COMPONENT] ?? "",
              object.apiVersion,
            ]),
          )
        : stream(),
    yaml: stream,
  };
}
