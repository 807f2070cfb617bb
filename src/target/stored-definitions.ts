import { stringify } from "yaml";
import type { Cluster } from "../cluster/index.js";
import { createDefinitionParser, type Definition, type DefinitionWarning } from "../definitions/index.js";
import { ClusterError } from "../errors/index.js";
import {
  DEFINITION_KINDS,
  LABEL_ADDON_NAME,
  definitionObjectOf,
  type DefinitionKind,
  type KubeObject,
} from "../model/index.js";
import { isJsonObject, type JsonObject } from "../util/index.js";
import { ADDON_DEFINITION_NAMESPACE } from "./addon-objects.js";

/**
 * Definitions kept in the cluster, as `vela def apply` keeps them: Definition objects in
 * `vela-system` (those without an addon label are the user's). Every command that binds apps reads
 * them, so a definition applied once needs no `--definitions` afterwards.
 */

/** The API version of the Definition objects. */
export const DEFINITION_API_VERSION = "core.oam.dev/v1beta1";

/** Where `def apply` stores definitions (KubeVela's system namespace). */
export const DEFINITION_NAMESPACE = ADDON_DEFINITION_NAMESPACE;

export function objectOf(definition: Definition): KubeObject {
  const input = definition.input;
  return {
    apiVersion: DEFINITION_API_VERSION,
    kind: input.kind,
    metadata: {
      name: input.metadata.name,
      namespace: DEFINITION_NAMESPACE,
      ...(input.metadata.labels === undefined ? {} : { labels: { ...input.metadata.labels } }),
      ...(input.metadata.annotations === undefined ? {} : { annotations: { ...input.metadata.annotations } }),
    },
    spec: definitionSpecOf(input),
  };
}

function definitionSpecOf(input: Parameters<typeof definitionObjectOf>[0]): JsonObject {
  const spec = definitionObjectOf(input).spec;
  return isJsonObject(spec) ? spec : {};
}

/** The envelope of a stored object, as a definition document (status and server fields dropped). */
export function documentOf(object: KubeObject): JsonObject {
  const { labels, annotations, name } = object.metadata;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: name ?? "",
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: isJsonObject(object.spec) ? object.spec : {},
  };
}

async function listKind(cluster: Cluster, kind: DefinitionKind, selector: string): Promise<KubeObject[]> {
  try {
    return await cluster.list(DEFINITION_API_VERSION, kind, {
      namespace: DEFINITION_NAMESPACE,
      labelSelector: selector,
    });
  } catch (error) {
    // A real cluster without KubeVela's CRDs has no stored definitions: nothing to read.
    if (error instanceof ClusterError && error.category !== "unreachable") return [];
    throw error;
  }
}

/**
 * The user definitions stored in the cluster, parsed (origin `cluster`). A stored definition that
 * no longer parses is left out with a warning rather than blocking every command.
 */
export async function readClusterDefinitions(
  cluster: Cluster,
): Promise<{ readonly definitions: readonly Definition[]; readonly warnings: readonly DefinitionWarning[] }> {
  let parser: ReturnType<typeof createDefinitionParser> | undefined;
  const definitions: Definition[] = [];
  const warnings: DefinitionWarning[] = [];
  for (const kind of DEFINITION_KINDS) {
    for (const object of await listKind(cluster, kind, `!${LABEL_ADDON_NAME}`)) {
      const file = `cluster:${kind}/${object.metadata.name ?? ""}`;
      parser ??= createDefinitionParser();
      const parsed = parser.parse(stringify(documentOf(object)), file, { source: "cluster" });
      definitions.push(...parsed.definitions);
      for (const issue of parsed.issues)
        warnings.push({
          code: "W_DEF_STORED_INVALID",
          message: `stored ${kind} "${object.metadata.name ?? ""}" is ignored: ${issue.message}`,
          file,
        });
    }
  }
  return { definitions, warnings };
}
