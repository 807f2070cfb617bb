/**
 * The build's cache of parsed bundled definitions: the same definitions as parsing, and never
 * used for a file whose text or origin differs from what it was built from.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDefinitions, readParsedDefinitionCache, writeParsedDefinitionCache } from "../../src/definitions/index.js";
import { tempDir } from "../support/cli.js";

const NO_CACHE = { lookup: () => undefined };

function traitFile(description: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: labels-demo
  annotations:
    definition.oam.dev/description: ${description}
spec:
  schematic:
    template:
      parameter:
        key: string
      patch: |
        metadata:
          labels:
            demo: {{json parameter.key}}
`;
}

describe("parsed definition cache", () => {
  it("gives the bundled definitions exactly as parsing them does", () => {
    const path = join(tempDir(), "cache.json");
    const parsed = loadDefinitions({ cache: NO_CACHE });
    writeParsedDefinitionCache(parsed.definitions, path);
    const cached = loadDefinitions({ cache: readParsedDefinitionCache(path) });
    expect(cached.definitions).toEqual(parsed.definitions);
    expect(cached.definitions.length).toBeGreaterThan(20);
  });

  it("parses a file again once its text changed", () => {
    const dir = tempDir();
    const builtin = join(dir, "builtin");
    mkdirSync(builtin);
    writeFileSync(join(builtin, "labels.yaml"), traitFile("before"));
    const path = join(dir, "cache.json");
    writeParsedDefinitionCache(
      loadDefinitions({ builtinDir: builtin, addonsDir: null, cache: NO_CACHE }).definitions,
      path,
    );
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ format: 2 });

    const options = { builtinDir: builtin, addonsDir: null, cache: readParsedDefinitionCache(path) };
    expect(loadDefinitions(options).definitions.map((definition) => definition.description)).toEqual(["before"]);
    writeFileSync(join(builtin, "labels.yaml"), traitFile("after"));
    expect(loadDefinitions(options).definitions.map((definition) => definition.description)).toEqual(["after"]);
  });

  it("never answers for user folders, even for a file it holds", () => {
    const dir = tempDir();
    const builtin = join(dir, "builtin");
    mkdirSync(builtin);
    writeFileSync(join(builtin, "labels.yaml"), traitFile("cached"));
    const path = join(dir, "cache.json");
    writeParsedDefinitionCache(
      loadDefinitions({ builtinDir: builtin, addonsDir: null, cache: NO_CACHE }).definitions,
      path,
    );
    const loaded = loadDefinitions({
      builtinDir: null,
      addonsDir: null,
      userDirs: [builtin],
      cache: readParsedDefinitionCache(path),
    });
    expect(loaded.definitions.map((definition) => definition.origin.source)).toEqual(["user"]);
  });

  it("is empty when the file is missing, corrupt or of another format", () => {
    const dir = tempDir();
    expect(readParsedDefinitionCache(join(dir, "missing.json")).lookup("x", "")).toBeUndefined();
    writeFileSync(join(dir, "corrupt.json"), "{");
    expect(readParsedDefinitionCache(join(dir, "corrupt.json")).lookup("x", "")).toBeUndefined();
    writeFileSync(join(dir, "old.json"), JSON.stringify({ format: 0, files: { x: { sha256: "", definitions: [] } } }));
    expect(readParsedDefinitionCache(join(dir, "old.json")).lookup("x", "")).toBeUndefined();
  });
});
