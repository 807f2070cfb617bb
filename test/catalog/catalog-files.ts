import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parseDefinitions, yamlFilesUnder, type Definition } from "../../src/definitions/index.js";
import { PROJECT_ROOT } from "../support/shared.js";

/** The bundled addons (folders of `addons/`). */
export const ADDON_NAMES: readonly string[] = readdirSync(join(PROJECT_ROOT, "addons"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** One bundled definition file: built-in (`definitions/…`) or an addon's (`addons/<addon>/definitions/…`). */
export interface CatalogFile {
  readonly name: string;
  readonly file: string;
  readonly addon?: string;
}

/** Every bundled definition file, built-ins first. */
export const CATALOG_FILES: readonly CatalogFile[] = [
  ...yamlFilesUnder(join(PROJECT_ROOT, "definitions")).map((file) => ({ name: relative(PROJECT_ROOT, file), file })),
  ...ADDON_NAMES.flatMap((addon) =>
    yamlFilesUnder(join(PROJECT_ROOT, "addons", addon, "definitions")).map((file) => ({
      name: relative(PROJECT_ROOT, file),
      file,
      addon,
    })),
  ),
];

/** Every bundled definition, parsed, with the file it came from. */
export function catalogDefinitions(): { readonly definition: Definition; readonly file: CatalogFile }[] {
  return CATALOG_FILES.flatMap((file) =>
    parseDefinitions(readFileSync(file.file, "utf8"), file.file).map((definition) => ({ definition, file })),
  );
}

/** The file name without extension (definitions are named after their file). */
export function stem(file: string): string {
  return basename(file).replace(/\.ya?ml$/, "");
}
