import type { Appfile } from "../appfile/index.js";
import type { ValidationIssue } from "../errors/index.js";
import { locateInSource, type KubeObject } from "../model/index.js";
import { joinPointer } from "../util/index.js";
import type { ComponentManifest } from "./render.js";

/** Where a rendered object came from, in the user's terms and as a pointer into the Application. */
interface ObjectSource {
  readonly description: string;
  readonly path: string;
}

function identity(object: KubeObject): string {
  const slash = object.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : object.apiVersion.slice(0, slash);
  return `${group}|${object.kind}|${object.metadata.namespace ?? ""}|${object.metadata.name ?? ""}`;
}

function describeObject(object: KubeObject): string {
  const namespace = object.metadata.namespace === undefined ? "" : `${object.metadata.namespace}/`;
  return `${object.kind} ${namespace}${object.metadata.name ?? ""}`;
}

function sourcesOf(manifest: ComponentManifest, appfile: Appfile): [KubeObject, ObjectSource][] {
  const component = appfile.components.find((entry) => entry.name === manifest.name);
  const componentPath = component?.path ?? "";
  const ofComponent = `component "${manifest.name}"`;
  const found: [KubeObject, ObjectSource][] = [];
  if (manifest.workload !== undefined)
    found.push([
      manifest.workload,
      { description: `${ofComponent} (its ${manifest.type} output)`, path: joinPointer(componentPath, "type") },
    ]);
  for (const output of manifest.outputs)
    found.push([
      output.object,
      {
        description: `${ofComponent} (its ${manifest.type} outputs.${output.name})`,
        path: joinPointer(componentPath, "type"),
      },
    ]);
  for (const trait of manifest.traits) {
    const traitPath = component?.traits[trait.index]?.path ?? joinPointer(componentPath, "traits", String(trait.index));
    for (const output of trait.outputs)
      found.push([
        output.object,
        {
          description: `trait "${trait.type}" of ${ofComponent} (outputs.${output.name})`,
          path: joinPointer(traitPath, "type"),
        },
      ]);
  }
  return found;
}

/**
 * Two outputs rendering the same object (same group, kind, namespace and name) would overwrite each
 * other on every apply, so an app never settles: an error naming both sources, found when the app
 * is rendered (`dry-run` already). E.g. `webservice` exposing a port and a `gateway` trait both
 * producing Service `orders-api`.
 */
export function findDuplicateObjects(manifests: readonly ComponentManifest[], appfile: Appfile): ValidationIssue[] {
  const seen = new Map<string, ObjectSource>();
  const issues: ValidationIssue[] = [];
  for (const manifest of manifests) {
    for (const [object, source] of sourcesOf(manifest, appfile)) {
      const key = identity(object);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, source);
        continue;
      }
      const location = locateInSource(appfile.sourceMap, source.path);
      issues.push({
        code: "E_DUPLICATE_OBJECT",
        message: `${describeObject(object)} is rendered twice: by ${first.description} and by ${source.description}`,
        path: source.path,
        ...(location === undefined ? {} : { source: location }),
        hint: "each object must come from one output: drop one of them, or give one a different name (e.g. the trait's name parameter)",
      });
    }
  }
  return issues;
}
