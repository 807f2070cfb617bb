import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError, ValidationError } from "../errors/index.js";
import { locateInSource, parseYamlDocuments } from "../model/index.js";
import { isJsonObject } from "../util/index.js";

/** An addon folder (KubeVela's layout): `metadata.yaml`, `definitions/`, `resources/`, `README.md`. */
export interface Addon {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** Names of addons it needs (`dependencies: [{name}]`). */
  readonly dependencies: readonly string[];
  readonly dir: string;
  /** YAML files under `definitions/`, sorted. */
  readonly definitionFiles: readonly string[];
  /** YAML files under `resources/` (what a real cluster gets), sorted. */
  readonly resourceFiles: readonly string[];
  readonly readme?: string;
}

/** The vela-ts package root, found from this module (works from `src/` and from `dist/`). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
      if (parsed.name === "vela-ts") return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new NotFoundError("E_PACKAGE_ROOT", "cannot find the vela-ts package root", { hint: "reinstall vela-ts" });
    dir = parent;
  }
}

/** The bundled `definitions/` folder. */
export function bundledDefinitionsDir(): string {
  return join(packageRoot(), "definitions");
}

/** The bundled `addons/` folder. */
export function bundledAddonsDir(): string {
  return join(packageRoot(), "addons");
}

/** Every `*.yaml` / `*.yml` file below a folder, sorted by path; none when it does not exist. */
export function yamlFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) return yamlFilesUnder(full);
      return /\.ya?ml$/.test(entry) ? [full] : [];
    });
}

/** Definition files under a folder: YAML documents and KubeVela `.cue` definitions, sorted, recursively. */
export function definitionFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) return definitionFilesUnder(full);
      return /\.(ya?ml|cue)$/.test(entry) ? [full] : [];
    });
}

function stringField(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

/** Reads an addon folder. Throws `E_ADDON_INVALID` when `metadata.yaml` is missing or malformed. */
export function readAddon(dir: string): Addon {
  const metadataFile = join(dir, "metadata.yaml");
  if (!existsSync(metadataFile)) {
    throw new ValidationError([
      {
        code: "E_ADDON_INVALID",
        message: `addon folder ${dir} has no metadata.yaml`,
        hint: "add metadata.yaml with name, version and description",
      },
    ]);
  }
  const [document] = parseYamlDocuments(readFileSync(metadataFile, "utf8"), metadataFile);
  const metadata = document?.value;
  if (!isJsonObject(metadata) || typeof metadata.name !== "string") {
    const source = locateInSource(document?.sourceMap, "");
    throw new ValidationError([
      {
        code: "E_ADDON_INVALID",
        message: "addon metadata.yaml needs a name",
        path: "/name",
        ...(source === undefined ? {} : { source }),
        hint: "add name: <addon>",
      },
    ]);
  }
  const dependencies = Array.isArray(metadata.dependencies)
    ? metadata.dependencies.flatMap((dependency) =>
        isJsonObject(dependency) && typeof dependency.name === "string"
          ? [dependency.name]
          : typeof dependency === "string"
            ? [dependency]
            : [],
      )
    : [];
  const readmeFile = join(dir, "README.md");
  return {
    name: metadata.name,
    version: stringField(metadata.version) ?? "0.0.0",
    description: stringField(metadata.description) ?? "",
    dependencies,
    dir,
    definitionFiles: definitionFilesUnder(join(dir, "definitions")),
    resourceFiles: yamlFilesUnder(join(dir, "resources")),
    ...(existsSync(readmeFile) ? { readme: readFileSync(readmeFile, "utf8") } : {}),
  };
}

/** Every addon folder (with a `metadata.yaml`) in `addonsDir`, sorted by name. */
export function listBundledAddons(addonsDir: string = bundledAddonsDir()): Addon[] {
  if (!existsSync(addonsDir)) return [];
  return readdirSync(addonsDir)
    .sort()
    .map((entry) => join(addonsDir, entry))
    .filter((dir) => statSync(dir).isDirectory() && existsSync(join(dir, "metadata.yaml")))
    .map(readAddon)
    .sort((a, b) => a.name.localeCompare(b.name) || basename(a.dir).localeCompare(basename(b.dir)));
}
