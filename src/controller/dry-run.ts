import { bindAppfile } from "../appfile/index.js";
import { loadDefinitions, type DefinitionWarning } from "../definitions/index.js";
import { parseApplications, type KubeObject } from "../model/index.js";
import { componentObjects, renderAppfile } from "../render/index.js";
import { ValidationError, type ValidationIssue } from "../errors/index.js";

/** Options of {@link dryRun}. */
export interface DryRunOptions {
  /** The Application YAML (one or more documents). */
  readonly text: string;
  /** Name of the file it came from, for error locations (`-` for stdin is shown as `<stdin>`). */
  readonly file: string;
  /**
   * User definition folders (`--definitions DIR`), overriding bundled ones by kind + name.
   * @default []
   */
  readonly definitionDirs?: readonly string[];
  /** Folder relative definition folders are resolved against. @default paths used as given */
  readonly cwd?: string;
}

/** The objects of one component, as `vela dry-run` groups them. */
export interface DryRunGroup {
  readonly application: string;
  readonly component: string;
  readonly objects: readonly KubeObject[];
}

/** What {@link dryRun} returns. */
export interface DryRunResult {
  readonly groups: readonly DryRunGroup[];
  /** Every object in the stable order (component order, workload, outputs by name, trait outputs). */
  readonly objects: readonly KubeObject[];
  readonly warnings: readonly DefinitionWarning[];
}

/**
 * `vela-ts dry-run`: parse → bind → render every Application in the text against every bundled
 * definition (built-ins and all bundled addons) plus user folders, with revision `<app>-v1`.
 * Problems of all Applications are thrown together as one ValidationError.
 */
export function dryRun(options: DryRunOptions): DryRunResult {
  const applications = parseApplications(options.text, options.file);
  const { registry, warnings } = loadDefinitions({
    userDirs: options.definitionDirs ?? [],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const groups: DryRunGroup[] = [];
  const issues: ValidationIssue[] = [];
  for (const parsed of applications) {
    try {
      const appfile = bindAppfile(parsed.application, registry, { sourceMap: parsed.sourceMap });
      for (const manifest of renderAppfile(appfile)) {
        groups.push({ application: appfile.name, component: manifest.name, objects: componentObjects(manifest) });
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { groups, objects: groups.flatMap((group) => group.objects), warnings };
}
