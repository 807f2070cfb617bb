// Writes dist/definitions-cache.json: the bundled definitions parsed once at build time
// (see src/definitions/parsed-cache.ts). Run after tsc by `npm run build`.
import process from "node:process";
import { loadDefinitions, parsedDefinitionCachePath, writeParsedDefinitionCache } from "../dist/definitions/index.js";

const { definitions } = loadDefinitions({ cache: { lookup: () => undefined } });
const bundled = definitions.filter(
  (definition) => definition.origin.source === "builtin" || definition.origin.source === "addon",
);
const files = writeParsedDefinitionCache(bundled);
process.stdout.write(`${parsedDefinitionCachePath()}: ${bundled.length} definitions from ${files} files\n`);
