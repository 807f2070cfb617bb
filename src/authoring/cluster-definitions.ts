import {
  createDefinitionParser,
  DEFINITION_TYPE_OF_KIND,
  KIND_OF_DEFINITION_TYPE,
  type DefinitionType,
} from "../definitions/index.js";
import type { Cluster } from "../cluster/index.js";
import { NotFoundError, ValidationError, type ValidationIssue } from "../errors/index.js";
import { DEFINITION_KINDS, type DefinitionKind, type KubeObject } from "../model/index.js";
import type { JsonObject } from "../util/index.js";
import { vetDefinitionFiles, type DefinitionFileInput } from "./definitions.js";
import { DEFINITION_API_VERSION, DEFINITION_NAMESPACE, documentOf, objectOf } from "../target/stored-definitions.js";
import { withTarget, type TargetOptions } from "../target/target.js";

/** What `def apply` did for one definition. */
export interface AppliedDefinition {
  readonly kind: DefinitionKind;
  readonly name: string;
  readonly action: "created" | "configured" | "unchanged";
}

/**
 * `def apply FILE…`: vets the files (envelope, CUE, a sample render) and stores every definition in
 * the cluster. Nothing is written when any file has a problem.
 */
export async function applyDefinitionFiles(
  options: TargetOptions & { readonly files: readonly DefinitionFileInput[] },
): Promise<readonly AppliedDefinition[]> {
  vetDefinitionFiles({
    files: options.files,
    cwd: options.cwd,
    ...(options.definitionDirs === undefined ? {} : { definitionDirs: options.definitionDirs }),
  });
  const parser = createDefinitionParser();
  const issues: ValidationIssue[] = [];
  const definitions = options.files.flatMap((input) => {
    const parsed = parser.parse(input.text, input.file, { source: "file" });
    issues.push(...parsed.issues);
    return parsed.definitions;
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return withTarget(options, async (target) => {
    const applied: AppliedDefinition[] = [];
    for (const definition of definitions) {
      const object = objectOf(definition);
      const before = await target.cluster.get({
        apiVersion: DEFINITION_API_VERSION,
        kind: definition.kind,
        name: definition.name,
        namespace: DEFINITION_NAMESPACE,
      });
      const same = before !== undefined && JSON.stringify(before.spec) === JSON.stringify(object.spec);
      if (!same) await target.cluster.apply(object, { force: true });
      applied.push({
        kind: definition.kind,
        name: definition.name,
        action: before === undefined ? "created" : same ? "unchanged" : "configured",
      });
    }
    return applied;
  });
}

async function findStored(cluster: Cluster, name: string, type: DefinitionType | undefined): Promise<KubeObject[]> {
  const kinds = type === undefined ? DEFINITION_KINDS : [KIND_OF_DEFINITION_TYPE[type]];
  const found: KubeObject[] = [];
  for (const kind of kinds) {
    const object = await cluster.get({
      apiVersion: DEFINITION_API_VERSION,
      kind,
      name,
      namespace: DEFINITION_NAMESPACE,
    });
    if (object !== undefined) found.push(object);
  }
  return found;
}

function notStored(name: string, type: DefinitionType | undefined): NotFoundError {
  return new NotFoundError("E_DEF_NOT_FOUND", `${type ?? "definition"} "${name}" is not stored in the cluster`, {
    hint: "store one with: vela-ts def apply FILE (bundled definitions are listed by def list)",
  });
}

/** `def get NAME`: the stored Definition object(s) of that name, as documents. */
export async function getClusterDefinition(
  options: TargetOptions & { readonly name: string; readonly type?: DefinitionType },
): Promise<readonly JsonObject[]> {
  return withTarget(options, async (target) => {
    const found = await findStored(target.cluster, options.name, options.type);
    if (found.length === 0) throw notStored(options.name, options.type);
    if (found.length > 1 && options.type === undefined)
      throw new ValidationError([
        {
          code: "E_DEF_AMBIGUOUS",
          message: `"${options.name}" names ${found
            .map((object) => DEFINITION_TYPE_OF_KIND[object.kind as DefinitionKind])
            .join(" and ")} definitions`,
          hint: "choose one with -t TYPE",
        },
      ]);
    return found.map(documentOf);
  });
}

/** `def del NAME`: deletes the stored definition; returns what was deleted. */
export async function deleteClusterDefinition(
  options: TargetOptions & { readonly name: string; readonly type?: DefinitionType },
): Promise<readonly { readonly kind: DefinitionKind; readonly name: string }[]> {
  return withTarget(options, async (target) => {
    const found = await findStored(target.cluster, options.name, options.type);
    if (found.length === 0) throw notStored(options.name, options.type);
    if (found.length > 1 && options.type === undefined)
      throw new ValidationError([
        {
          code: "E_DEF_AMBIGUOUS",
          message: `"${options.name}" names several stored definitions`,
          hint: "choose one with -t TYPE",
        },
      ]);
    for (const object of found)
      await target.cluster.delete({
        apiVersion: DEFINITION_API_VERSION,
        kind: object.kind,
        name: options.name,
        namespace: DEFINITION_NAMESPACE,
      });
    return found.map((object) => ({ kind: object.kind as DefinitionKind, name: options.name }));
  });
}
