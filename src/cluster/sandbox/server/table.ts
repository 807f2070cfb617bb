import type { KubeObject } from "../../../model/kube-object.js";
import { formatAge, type ResourceType } from "../../resources.js";
import type { JsonObject } from "../../../util/index.js";

/** True when the Accept header asks for `meta.k8s.io/v1 Table` (what `kubectl get` asks for). */
export function wantsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(",").some((part) => {
    const params = part.split(";").map((param) => param.trim());
    return (
      params.includes("as=Table") &&
      params.includes("g=meta.k8s.io") &&
      (params.includes("v=v1") || params.includes("v=v1beta1"))
    );
  });
}

function partialMetadata(object: KubeObject): JsonObject {
  const { managedFields: _managed, ...metadata } = object.metadata;
  return {
    kind: "PartialObjectMetadata",
    apiVersion: "meta.k8s.io/v1",
    metadata: JSON.parse(JSON.stringify(metadata)) as JsonObject,
  };
}

/**
 * Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): NAME, the kind's
 * columns from the kinds table (wide ones at priority 1, shown by `-o wide`), then AGE from the
 * injected clock. Kinds without columns get NAME and AGE.
 */
export function toTable(
  type: ResourceType | undefined,
  objects: readonly KubeObject[],
  now: Date,
  resourceVersion: string,
): JsonObject {
  const columns = type?.columns ?? [];
  const definitions: JsonObject[] = [
    {
      name: "Name",
      type: "string",
      format: "name",
      description: "Name must be unique within a namespace.",
      priority: 0,
    },
    ...columns.map((column) => ({
      name: column.header,
      type: "string",
      format: "",
      description: column.header,
      priority: column.wide === true ? 1 : 0,
    })),
    { name: "Age", type: "string", format: "", description: "Time since creation.", priority: 0 },
  ];
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: definitions,
    rows: objects.map((object) => ({
      cells: [
        object.metadata.name ?? "",
        ...columns.map((column) => column.value(object, now)),
        formatAge(object.metadata.creationTimestamp, now),
      ],
      object: partialMetadata(object),
    })),
  };
}
