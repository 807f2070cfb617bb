/** `.Files` in chart templates (Helm's `engine/files.go`): Get, GetBytes, Glob, Lines, AsConfig, AsSecrets. */
import type { ChartFile } from "./chart.js";
import { globToRegExp } from "./helmignore.js";
import { GoStruct } from "./template/go-value.js";
import { toHelmYaml } from "./template/helm-functions.js";

const decoder = new TextDecoder();

function baseName(path: string): string {
  return path.split("/").pop() ?? path;
}

/** Builds the `.Files` object over a chart's non-template files. */
export function createFilesObject(files: readonly ChartFile[]): GoStruct {
  const byPath = new Map(files.map((file) => [file.path, file.data]));
  const text = (name: unknown): string => {
    const data = typeof name === "string" ? byPath.get(name) : undefined;
    return data === undefined ? "" : decoder.decode(data);
  };
  return new GoStruct(
    "engine.files",
    {},
    {
      Get: (name) => text(name),
      GetBytes: (name) => (typeof name === "string" ? (byPath.get(name) ?? new Uint8Array()) : new Uint8Array()),
      Lines: (name) => {
        const content = text(name);
        if (content === "") return [];
        const lines = content.split("\n");
        if (lines.at(-1) === "") lines.pop();
        return lines;
      },
      Glob: (pattern) => {
        const regex = globToRegExp(String(pattern), true);
        return createFilesObject(files.filter((file) => regex.test(file.path)));
      },
      AsConfig: () => {
        if (files.length === 0) return "";
        const map: Record<string, string> = {};
        for (const file of files) map[baseName(file.path)] = decoder.decode(file.data);
        return toHelmYaml(map);
      },
      AsSecrets: () => {
        if (files.length === 0) return "";
        const map: Record<string, string> = {};
        for (const file of files) map[baseName(file.path)] = Buffer.from(file.data).toString("base64");
        return toHelmYaml(map);
      },
    },
  );
}
