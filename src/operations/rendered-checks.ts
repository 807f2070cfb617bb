import { findObjectIssues } from "../cluster/index.js";
import type { ValidationIssue } from "../errors/index.js";
import { componentPointer, locateInSource, type ApplicationInput, type SourceMap } from "../model/index.js";
import { componentObjects, type ComponentManifest } from "../render/index.js";

/**
 * What the API server would refuse in the rendered objects (names, namespaces, label keys and
 * values, annotations: the checks the sandbox store makes on every write), located at the
 * component that rendered each object. `dry-run` and `up` both run it before anything is written,
 * so a name `dry-run` accepts is one `up` can apply.
 */
export function findRenderedObjectIssues(
  manifests: readonly ComponentManifest[],
  sourceMap: SourceMap | undefined,
  componentIndexes: Readonly<Record<string, number>>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const manifest of manifests) {
    const index = componentIndexes[manifest.name];
    const pointer = index === undefined ? "" : componentPointer(index);
    const source = locateInSource(sourceMap, pointer);
    for (const object of componentObjects(manifest)) {
      const subject = `component "${manifest.name}" renders ${object.kind} "${object.metadata.name ?? ""}"`;
      for (const issue of findObjectIssues(object)) {
        issues.push({
          code: issue.code,
          message: `${subject}: ${issue.message}`,
          path: pointer,
          ...(source === undefined ? {} : { source }),
          ...(issue.hint === undefined ? {} : { hint: issue.hint }),
        });
      }
    }
  }
  return issues;
}

/** What the API server would refuse in the Application object itself (its name, namespace, labels, annotations). */
export function findApplicationObjectIssues(
  app: ApplicationInput,
  sourceMap: SourceMap | undefined,
): ValidationIssue[] {
  const object = {
    apiVersion: app.apiVersion,
    kind: app.kind,
    metadata: {
      name: app.metadata.name,
      ...(app.metadata.namespace === undefined ? {} : { namespace: app.metadata.namespace }),
      ...(app.metadata.labels === undefined ? {} : { labels: app.metadata.labels }),
      ...(app.metadata.annotations === undefined ? {} : { annotations: app.metadata.annotations }),
    },
  };
  return findObjectIssues(object, `application "${app.metadata.name}"`).map((issue) => {
    const source = issue.path === undefined ? undefined : locateInSource(sourceMap, issue.path);
    return { ...issue, ...(source === undefined ? {} : { source }) };
  });
}
