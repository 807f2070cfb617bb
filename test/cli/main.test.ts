import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/cli/version.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

describe("vela-ts main", () => {
  it("prints the version from package.json", async () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const run = await runCli(["--version"]);
    expect(run).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  it("exits 2 with a usage message on an unknown command", async () => {
    const run = await runCli(["frobnicate"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe("usage errors", () => {
  it.each([
    { argv: ["statu"], message: "unknown command 'statu'", hint: "did you mean status? (run with --help for usage)" },
    {
      argv: ["workflow", "resum", "demo-app"],
      message: "unknown command 'resum'",
      hint: "did you mean resume? (run with --help for usage)",
    },
    {
      argv: ["ls", "--namespce", "x"],
      message: "unknown option '--namespce'",
      hint: "did you mean --namespace? (run with --help for usage)",
    },
    {
      argv: ["status", "--tre"],
      message: "unknown option '--tre'",
      hint: "did you mean --tree? (run with --help for usage)",
    },
    { argv: ["up"], message: "required option '-f, --file <file>' not specified", hint: "run with --help for usage" },
    {
      argv: ["ls", "-o", "jsn"],
      message: 'unknown output format "jsn"',
      hint: 'did you mean "json"? use -o yaml|json|wide|name|jsonpath=…|custom-columns=…',
    },
  ])("$argv: exit 2, the closest command or flag in the hint", async ({ argv, message, hint }) => {
    const run = await runCli(argv, { cwd: tempDir() });
    expect(run).toEqual({ code: 2, stdout: "", stderr: `error[E_USAGE]: ${message}\n  hint: ${hint}\n` });
  });
});
