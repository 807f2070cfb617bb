import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { NotFoundError, ValidationError, type ValidationIssue } from "../errors/index.js";
import { DEFAULT_YAML_LIMITS } from "../model/index.js";
import { bundledAddonsDir, bundledDefinitionsDir, definitionFilesUnder, readAddon } from "./addon.js";
import { createDefinitionParser, type DefinitionParser } from "./parse-definition.js";
import { readParsedDefinitionCache, type ParsedDefinitionCache } from "./parsed-cache.js";
import { DefinitionRegistry } from "./registry.js";
import type { Definition, DefinitionOrigin, DefinitionWarning } from "./types.js";

/** Options of {@link loadDefinitions}. */
export interface LoadDefinitionsOptions {
  /**
   * Built-in definitions folder; `null` for none.
   * @default the bundled `definitions/`
   */
  readonly builtinDir?: string | null;
  /**
   * Addons folder (`<addon>/definitions/*.yaml`); `null` for none.
   * @default the bundled `addons/`
   */
  readonly addonsDir?: string | null;
  /**
   * Addons whose definitions are usable; the others only produce "enable it with" hints.
   * @default every addon (what dry-run sees)
   */
  readonly enabledAddons?: readonly string[];
  /**
   * Definitions already parsed elsewhere (those stored in the cluster by `def apply`): they override
   * built-in and addon definitions and are overridden by user folders.
   * @default []
   */
  readonly preloaded?: readonly Definition[];
  /**
   * User folders (`--definitions DIR`), in order; they override earlier definitions by kind + name.
   * @default []
   */
  readonly userDirs?: readonly string[];
  /**
   * Single definition files loaded last (e.g. `def render FILE`).
   * @default []
   */
  readonly files?: readonly string[];
  /**
   * Folder that relative `userDirs` and `files` are resolved against.
   * @default paths are used as given
   */
  readonly cwd?: string;
  /**
   * Parsed bundled definitions (built-in and addon files only; user files are always parsed).
   * @default the cache `npm run build` writes, when present
   */
  readonly cache?: ParsedDefinitionCache;
}

/** What {@link loadDefinitions} returns: the registry and non-fatal notes for the caller to show. */
export interface LoadedDefinitions {
  readonly registry: DefinitionRegistry;
  readonly warnings: readonly DefinitionWarning[];
  /** Every definition read, in load order (overridden ones included). */
  readonly definitions: readonly Definition[];
}

interface Source {
  readonly file: string;
  readonly origin: Omit<DefinitionOrigin, "file">;
}

function addonSources(addonsDir: string): Source[] {
  if (!existsSync(addonsDir)) return [];
  return readdirSync(addonsDir)
    .sort()
    .map((entry) => join(addonsDir, entry))
    .filter((dir) => statSync(dir).isDirectory())
    .flatMap((dir) => {
      const addon = existsSync(join(dir, "metadata.yaml")) ? readAddon(dir) : undefined;
      const name = addon?.name ?? relative(addonsDir, dir);
      const files = addon?.definitionFiles ?? definitionFilesUnder(join(dir, "definitions"));
      return files.map((file) => ({ file, origin: { source: "addon" as const, addon: name } }));
    });
}

function describeOrigin(origin: DefinitionOrigin): string {
  return origin.addon === undefined ? `${origin.source} ${origin.file}` : `addon ${origin.addon} (${origin.file})`;
}

/** A bundled file's cached definitions, when they were parsed from this very text and origin. */
function cachedDefinitions(
  cache: ParsedDefinitionCache,
  source: Source,
  text: string,
): readonly Definition[] | undefined {
  if (source.origin.source !== "builtin" && source.origin.source !== "addon") return undefined;
  const cached = cache.lookup(source.file, text);
  const sameOrigin = cached?.every(
    (definition) =>
      definition.origin.source === source.origin.source && definition.origin.addon === source.origin.addon,
  );
  return sameOrigin === true ? cached : undefined;
}

/**
 * Reads definitions from the built-in folder, the bundled addons and user folders (later ones
 * override earlier ones by kind + name, with a `W_DEF_OVERRIDE` warning). Every broken file is
 * reported at once in one ValidationError. Returns warnings; never prints.
 */
export function loadDefinitions(options: LoadDefinitionsOptions = {}): LoadedDefinitions {
  const resolveDir = (dir: string): string => (options.cwd === undefined ? dir : resolve(options.cwd, dir));
  const builtinDir = options.builtinDir === undefined ? bundledDefinitionsDir() : options.builtinDir;
  const addonsDir = options.addonsDir === undefined ? bundledAddonsDir() : options.addonsDir;
  const sources: Source[] = [
    ...(builtinDir === null
      ? []
      : definitionFilesUnder(builtinDir).map((file) => ({ file, origin: { source: "builtin" as const } }))),
    ...(addonsDir === null ? [] : addonSources(addonsDir)),
  ];
  const missing: ValidationIssue[] = [];
  for (const dir of (options.userDirs ?? []).map(resolveDir)) {
    if (!existsSync(dir)) {
      missing.push({
        code: "E_DEF_DIR_NOT_FOUND",
        message: `definitions folder ${dir} does not exist`,
        hint: "check the path given to --definitions",
      });
      continue;
    }
    const files = statSync(dir).isDirectory() ? definitionFilesUnder(dir) : [dir];
    sources.push(...files.map((file) => ({ file, origin: { source: "user" as const } })));
  }
  for (const file of (options.files ?? []).map(resolveDir)) {
    if (!existsSync(file))
      throw new NotFoundError("E_FILE_NOT_FOUND", `file ${file} does not exist`, { hint: "check the path" });
    sources.push({ file, origin: { source: "file" } });
  }
  const cache = options.cache ?? readParsedDefinitionCache();
  let parser: DefinitionParser | undefined;
  const issues: ValidationIssue[] = [...missing];
  const definitions: Definition[] = [];
  const warnings: DefinitionWarning[] = [];
  const seen = new Map<string, Definition>();
  const userStart = sources.findIndex((source) => source.origin.source === "user" || source.origin.source === "file");
  const ordered: (Source | Definition)[] = [
    ...(userStart < 0 ? sources : sources.slice(0, userStart)),
    ...(options.preloaded ?? []),
    ...(userStart < 0 ? [] : sources.slice(userStart)),
  ];
  for (const entry of ordered) {
    if ("kind" in entry) {
      const key = `${entry.kind}/${entry.name}`;
      const previous = seen.get(key);
      if (previous !== undefined) {
        warnings.push({
          code: "W_DEF_OVERRIDE",
          message: `${entry.kind} "${entry.name}" from ${describeOrigin(entry.origin)} overrides the one from ${describeOrigin(previous.origin)}`,
          file: entry.origin.file,
        });
      }
      seen.set(key, entry);
      definitions.push(entry);
      continue;
    }
    const source = entry;
    const size = statSync(source.file).size;
    if (size > DEFAULT_YAML_LIMITS.maxBytes) {
      issues.push({
        code: "E_YAML_LIMIT",
        message:
          `definition file ${source.file} is ${Math.ceil(size / 1024 / 1024)} MiB, ` +
          `more than the ${DEFAULT_YAML_LIMITS.maxBytes / 1024 / 1024} MiB vela-ts reads`,
        source: { file: source.file, line: 1, column: 1 },
        hint: "split it into smaller files (limits: docs/limits.md)",
      });
      continue;
    }
    const text = readFileSync(source.file, "utf8");
    const cached = cachedDefinitions(cache, source, text);
    const parsed =
      cached === undefined
        ? (parser ??= createDefinitionParser()).parse(text, source.file, source.origin)
        : { definitions: cached, issues: [] };
    issues.push(...parsed.issues);
    for (const definition of parsed.definitions) {
      const key = `${definition.kind}/${definition.name}`;
      const previous = seen.get(key);
      if (previous !== undefined) {
        warnings.push({
          code: "W_DEF_OVERRIDE",
          message:
            `${definition.kind} "${definition.name}" from ${describeOrigin(definition.origin)} ` +
            `overrides the one from ${describeOrigin(previous.origin)}`,
          file: definition.origin.file,
        });
      }
      seen.set(key, definition);
      definitions.push(definition);
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  const registry = new DefinitionRegistry(
    definitions,
    options.enabledAddons === undefined ? {} : { enabledAddons: options.enabledAddons },
  );
  return { registry, warnings, definitions };
}
