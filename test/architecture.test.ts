import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/shared.js";

/** STYLE §3: which top-level folders of src/ each folder may import. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  util: ["errors"],
  cue: ["errors", "util"],
  model: ["errors", "util"],
  definitions: ["errors", "util", "model", "cue"],
  appfile: ["errors", "util", "model", "definitions", "cue"],
  render: ["errors", "util", "model", "definitions", "appfile", "cue"],
  // Reverse rendering: definitions' decompile rules run on live objects, renderings compared with them.
  decompile: ["errors", "util", "model", "definitions", "cue"],
  chart: ["errors", "util", "model"],
  revision: ["errors", "util", "model", "definitions", "appfile"],
  cluster: ["errors", "util", "model", "chart"],
  // Metric providers (sandbox, Prometheus, web) and Argo's analysis-run state machine.
  metrics: ["errors", "util", "model", "cluster"],
  workflow: ["errors", "util", "model", "definitions", "appfile", "render", "cluster", "cue"],
  // Rollout engines: reading and steering Kruise/Argo Rollouts and their traffic, shared by the reconciler and commands.
  rollout: ["errors", "util", "model", "cluster"],
  // The reconcile loop: one Application through parse, revision, render, workflow and apply.
  reconciler: [
    "errors",
    "util",
    "model",
    "definitions",
    "appfile",
    "render",
    "chart",
    "revision",
    "cluster",
    "workflow",
    "cue",
    "rollout",
    "metrics",
  ],
  // The cluster a command works on (sandbox or kube), wired with the reconciler's dependencies.
  target: ["errors", "util", "model", "definitions", "cluster", "workflow", "reconciler"],
  // Controller mode: the long-running reconciler over a cluster (work queue, lease, hand-off).
  controller: ["errors", "util", "model", "cluster", "workflow", "reconciler", "target"],
  // Definition tooling: def init/vet/doc/render/apply, stored definitions.
  authoring: ["errors", "util", "model", "definitions", "appfile", "render", "cluster", "workflow", "cue", "target"],
  // The user operations behind the commands (up, status, workflow verbs, rollback, delete, dry-run, addons…).
  operations: [
    "errors",
    "util",
    "model",
    "definitions",
    "appfile",
    "render",
    "chart",
    "revision",
    "cluster",
    "workflow",
    "cue",
    "rollout",
    "reconciler",
    "target",
    "controller",
    "authoring",
    "metrics",
    "decompile",
  ],
  // The web dashboard is an edge like the command line: it reaches the cluster only through the operations.
  dashboard: ["errors", "util", "model", "operations"],
  cli: ["errors", "util", "model", "operations", "reconciler", "target", "controller", "dashboard"],
};

/** Third-party packages that only one place may import (STYLE §3). */
const EXCLUSIVE_PACKAGES: Readonly<Record<string, (file: string) => boolean>> = {
  handlebars: (file) => file === "render/template.ts" || file.startsWith("render/template/"),
  // RFC 7386 has one implementation, used by render (trait patches) and the sandbox alike.
  "json-merge-patch": (file) => file === "util/merge-patch.ts",
  "@kubernetes/client-node": (file) => file.startsWith("cluster/kube/"),
  ajv: (file) => file.startsWith("model/"),
  diff: (file) => file === "revision/diff.ts",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

const SRC = join(PROJECT_ROOT, "src");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? "");
}

describe("architecture (STYLE §3)", () => {
  const files = sourceFiles(SRC).map((file) => relative(SRC, file).replaceAll("\\", "/"));

  it("every src folder is known to the dependency rules", () => {
    const folders = new Set(files.map((file) => file.split("/")[0] ?? "").filter((folder) => !folder.endsWith(".ts")));
    expect([...folders].filter((folder) => !(folder in ALLOWED))).toEqual([]);
  });

  it("docs/architecture.md names every src folder", () => {
    const page = readFileSync(join(PROJECT_ROOT, "docs/architecture.md"), "utf8");
    const folders = new Set(files.map((file) => file.split("/")[0] ?? "").filter((folder) => !folder.endsWith(".ts")));
    expect([...folders].filter((folder) => !new RegExp(`^\\s+${folder}/`, "m").test(page))).toEqual([]);
  });

  it("imports point only where STYLE §3 allows", () => {
    const violations: string[] = [];
    for (const file of files) {
      const folder = file.split("/")[0] ?? "";
      for (const specifier of importsOf(join(SRC, file))) {
        if (specifier.startsWith(".")) {
          const target = relative(SRC, join(SRC, file, "..", specifier)).replaceAll("\\", "/");
          const targetFolder = target.split("/")[0] ?? "";
          if (target.startsWith("..")) violations.push(`${file} imports outside src: ${specifier}`);
          else if (targetFolder !== folder && !(ALLOWED[folder] ?? []).includes(targetFolder))
            violations.push(`${file} → ${target}`);
        } else {
          const name = specifier.startsWith("@")
            ? specifier.split("/").slice(0, 2).join("/")
            : (specifier.split("/")[0] ?? "");
          const rule = EXCLUSIVE_PACKAGES[name];
          if (rule !== undefined && !rule(file)) violations.push(`${file} imports ${name}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("YAML is parsed only through the bounded parser of src/util (charts have their own)", () => {
    const parsing = /import\s*\{([^}]*)\}\s*from\s*["']yaml["']/g;
    const offenders = files.filter((file) => {
      if (file === "util/yaml-bounds.ts" || file.startsWith("model/") || file.startsWith("chart/")) return false;
      const text = readFileSync(join(SRC, file), "utf8");
      return [...text.matchAll(parsing)].some((match) =>
        /\b(parse|parseDocument|parseAllDocuments|Parser|Composer|Lexer)\b/.test(match[1] ?? ""),
      );
    });
    expect(offenders).toEqual([]);
  });

  it("casts around the type checker are few and each says why (values from outside are decoded in model/)", () => {
    // Ratchets: lower them when a cast goes; never raise them. Every cast left says why in a comment.
    const MAX_CASTS = 20;
    const MAX_UNCOMMENTED = 0;
    const casts = files.flatMap((file) => {
      const lines = readFileSync(join(SRC, file), "utf8").split("\n");
      return lines.flatMap((line, index) =>
        line.includes(" as unknown as ")
          ? [{ where: `${file}:${index + 1}`, commented: `${lines[index - 1] ?? ""}${line}`.includes("//") }]
          : [],
      );
    });
    expect(casts.length).toBeLessThanOrEqual(MAX_CASTS);
    expect(casts.filter((cast) => !cast.commented).map((cast) => cast.where).length).toBeLessThanOrEqual(
      MAX_UNCOMMENTED,
    );
  });

  it("a file past 400 lines opens with a comment saying what it holds and why it is one file", () => {
    const offenders = files.filter((file) => {
      const text = readFileSync(join(SRC, file), "utf8");
      return text.split("\n").length > 400 && !/^\s*(\/\*\*|\/\/)/.test(text);
    });
    expect(offenders).toEqual([]);
  });

  it("no process.env below src/cli", () => {
    const offenders = files.filter(
      (file) => !file.startsWith("cli/") && readFileSync(join(SRC, file), "utf8").includes("process.env"),
    );
    expect(offenders).toEqual([]);
  });
});
