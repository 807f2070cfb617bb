import { readFileSync } from "node:fs";
import { stringify } from "yaml";
import { bindAppfile } from "../../src/appfile/index.js";
import { loadDefinitions, type DefinitionRegistry } from "../../src/definitions/index.js";
import type { KubeObject } from "../../src/model/index.js";
import { parseApplication } from "../../src/model/index.js";
import { flattenManifests, renderAppfile } from "../../src/render/index.js";

/**
 * Renders an Application file with every bundled definition (built-ins and all bundled addons, as
 * `vela-ts dry-run` sees them): parse → bind → render, objects in the renderer's stable order.
 */

let registry: DefinitionRegistry | undefined;

/** The registry of every bundled definition, loaded once per test file. */
export function bundledRegistry(): DefinitionRegistry {
  registry ??= loadDefinitions({}).registry;
  return registry;
}

/** Every object the Application in `file` renders. Throws the pipeline's typed errors. */
export function renderAppFile(file: string): KubeObject[] {
  const { application, sourceMap } = parseApplication(readFileSync(file, "utf8"), file);
  const appfile = bindAppfile(application, bundledRegistry(), { sourceMap });
  return flattenManifests(renderAppfile(appfile));
}

/** Objects as readable multi-document YAML (what a golden `expected.yaml` holds). */
export function objectsToYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join("");
}
