/**
 * `.Files` in chart templates (Helm's `engine/files.go`): a `map[string][]byte` of the chart's
 * non-template files with the methods `Get`, `GetBytes`, `Glob`, `Lines`, `AsConfig`, `AsSecrets`.
 * Being a map, `.Files.Glob "x/*"` can be ranged over (`$path, $bytes`) and measured with `len`.
 */
import type { ChartFile } from "./chart.js";
import { globToRegExp } from "./helmignore.js";
import { fn } from "./template/go-func.js";
import { withGoMethods, withGoType } from "./template/go-value.js";
import { toHelmYaml } from "./yaml.js";

const decoder = new TextDecoder();

function baseName(path: string): string {
  return path.split("/").pop() ?? path;
}

/** Builds the `.Files` value over a chart's non-template files. */
export function createFilesObject(files: readonly ChartFile[]): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const file of files) map[file.path] = file.data;
  const text = (name: string): string => {
    const data = map[name];
    return data instanceof Uint8Array ? decoder.decode(data) : "";
  };
  const entries = (): [string, Uint8Array][] =>
    Object.entries(map).filter((entry): entry is [string, Uint8Array] => entry[1] instanceof Uint8Array);
  return withGoMethods(map, "engine.files", {
    Get: fn(["string"], (name) => text(name)),
    GetBytes: fn(["string"], (name) => {
      const data = map[name];
      return data instanceof Uint8Array ? data : null;
    }),
    Lines: fn(["string"], (name) => {
      const content = text(name);
      if (content === "") return withGoType([], "[]string");
      return withGoType((content.endsWith("\n") ? content.slice(0, -1) : content).split("\n"), "[]string");
    }),
    Glob: fn(["string"], (pattern) => {
      let regex: RegExp;
      try {
        regex = globToRegExp(pattern, true, true);
      } catch {
        regex = /^/;
      }
      return createFilesObject(
        entries()
          .filter(([path]) => regex.test(path))
          .map(([path, data]) => ({ path, data })),
      );
    }),
    AsConfig: fn([], () => {
      const out: Record<string, string> = {};
      for (const [path, data] of entries()) out[baseName(path)] = decoder.decode(data);
      return entries().length === 0 ? "" : toHelmYaml(out);
    }),
    AsSecrets: fn([], () => {
      const out: Record<string, string> = {};
      for (const [path, data] of entries()) out[baseName(path)] = Buffer.from(data).toString("base64");
      return entries().length === 0 ? "" : toHelmYaml(out);
    }),
  });
}
