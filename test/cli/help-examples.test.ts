/**
 * Every command's `--help` has an Examples section, and every example runs as written: on a copy of
 * a sandbox where the example chart's app is at its first canary step (and a plain Deployment `web`
 * exists), from the project folder; the examples that name `sandbox.kubeconfig` run against that
 * sandbox served over HTTPS. The commands that run until stopped (`controller`, `sandbox serve`, `dashboard`)
 * are checked for known flags only; their own tests run them.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { PLAIN_STYLE } from "../../src/cli/terminal/style.js";
import { openSandbox } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { splitCommandLine } from "../support/shell-words.js";
import { PROJECT_ROOT } from "../support/shared.js";

const LONG_RUNNING = ["controller", "sandbox serve", "dashboard"];

/** What a command's examples assume first, as their descriptions say. */
const PREPARE: Readonly<Record<string, readonly (readonly string[])[]>> = {
  // A release in flight is suspended before it is rolled back.
  "workflow rollback": [["workflow", "suspend", "demo-app"]],
  // Only an aborted update can be retried.
  "sandbox rollout retry": [["sandbox", "rollout", "abort", "rollouts-demo"]],
  // A member cluster is joined before it is labelled or detached.
  "cluster detach": [["cluster", "join", "prod"]],
  "cluster labels add": [["cluster", "join", "prod"]],
  "cluster labels del": [["cluster", "join", "prod", "--labels", "region=eu"]],
  // The multi-cluster example places on the joined test and prod clusters.
  "dry-run": [
    ["cluster", "join", "test"],
    ["cluster", "join", "prod", "--labels", "env=prod"],
  ],
};

function allCommands(command: Command, path: readonly string[] = []): (readonly string[])[] {
  return command.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    return sub.commands.length > 0 ? allCommands(sub, here) : [here];
  });
}

function examplesOf(help: string): string[] {
  const section = help.split("\nExamples:\n")[1] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("  vela-ts "))
    .map((line) => line.trim());
}

const program = buildProgram({
  ctx: {
    cwd: PROJECT_ROOT,
    env: {},
    readStdin: () => Promise.resolve(""),
    stdout: { write: () => undefined },
    stderr: { write: () => undefined },
    clock: new FakeClock(),
    sleep: () => Promise.resolve(),
  },
  setExitCode: () => undefined,
  stdoutStyle: PLAIN_STYLE,
  stderrStyle: PLAIN_STYLE,
  progress: () => ({ line: () => undefined, during: (work) => work, stop: () => undefined }),
});
const COMMANDS = allCommands(program).map((path) => ({ command: path.join(" ") }));

describe("--help examples", () => {
  const base = tempDir("vela-ts-examples-");
  const baseSandbox = join(base, "sb");
  const stdin = readFileSync(join(PROJECT_ROOT, "examples", "apps", "demo-app-v1.yaml"), "utf8");

  beforeAll(async () => {
    const clock = new FakeClock();
    const env = { VELA_TS_SANDBOX: baseSandbox };
    for (const argv of [
      ["sandbox", "charts", "add", "https://charts.example.com/demo/", "examples/charts/repo"],
      ["up", "-f", "examples/apps/demo-app-v1.yaml", "--wait"],
      ["up", "-f", "examples/apps/demo-app-v2.yaml", "--wait"],
      ["sandbox", "apply", "-f", "examples/objects/web.yaml"],
      // Seed 001's Argo Rollout, updated to the yellow image: paused at its first step (20%).
      ["sandbox", "apply", "-f", "examples/argo-rollouts/rollouts-demo.yaml"],
      [
        "sandbox",
        "apply",
        "-f",
        "examples/argo-rollouts/rollouts-demo-yellow.yaml",
        "--field-manager",
        "ci",
        "--force-conflicts",
      ],
    ]) {
      const run = await runCli(argv, { cwd: PROJECT_ROOT, env, clock });
      expect(run.code, `${argv.join(" ")}: ${run.stderr}`).toBe(0);
    }
  }, 120_000);

  it("covers every command", () => {
    expect(COMMANDS.length).toBeGreaterThan(30);
  });

  it.each(COMMANDS)("vela-ts $command: every example runs", async ({ command }) => {
    const help = await runCli([...command.split(" "), "--help"]);
    expect(help.code).toBe(0);
    const examples = examplesOf(help.stdout);
    expect(examples.length, `vela-ts ${command} --help has examples`).toBeGreaterThan(0);
    for (const example of examples) {
      const argv = splitCommandLine(example).slice(1);
      expect(argv.slice(0, command.split(" ").length).join(" "), example).toBe(command);
      if (LONG_RUNNING.includes(command)) {
        const known = program.commands
          .flatMap((sub) => [sub, ...sub.commands])
          .find((sub) => sub.name() === command.split(" ").at(-1))
          ?.options.flatMap((option) => [option.long, option.short]);
        for (const flag of argv.filter((word) => word.startsWith("-")))
          expect(known, `${example}: ${flag}`).toContain(flag);
        continue;
      }
      const sandbox = join(tempDir("vela-ts-example-"), "sb");
      cpSync(baseSandbox, sandbox, { recursive: true });
      const clock = new FakeClock("2026-01-01T00:10:00Z");
      let cwd = PROJECT_ROOT;
      let close = (): Promise<void> => Promise.resolve();
      if (argv.includes("sandbox.kubeconfig")) {
        cwd = tempDir("vela-ts-example-cwd-");
        const served = await openSandbox({ dir: sandbox, clock });
        const server = await startSandboxServer({ cluster: served, clock, settleIntervalMs: 0 });
        writeFileSync(join(cwd, "sandbox.kubeconfig"), server.kubeconfig());
        close = async () => {
          await server.close();
          served.close();
        };
        if (command === "uninstall") {
          const installed = await runCli(["install", "--kubeconfig", "sandbox.kubeconfig"], { cwd, clock });
          expect(installed.code, installed.stderr).toBe(0);
          const deleted = await runCli(["delete", "demo-app", "--kubeconfig", "sandbox.kubeconfig"], { cwd, clock });
          expect(deleted.code, deleted.stderr).toBe(0);
        }
      }
      try {
        for (const step of PREPARE[command] ?? []) {
          const prepared = await runCli(step, { cwd, env: { VELA_TS_SANDBOX: sandbox }, clock });
          expect(prepared.code, prepared.stderr).toBe(0);
        }
        const run = await runCli(argv, { cwd, env: { VELA_TS_SANDBOX: sandbox }, clock, stdin });
        expect({ example, code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({
          example,
          code: 0,
          stderr: "",
        });
        expect(run.stdout + run.stderr, example).not.toBe("");
      } finally {
        await close();
      }
    }
  });
});

describe("splitCommandLine", () => {
  it.each([
    { line: "vela-ts ls -A", want: ["vela-ts", "ls", "-A"] },
    { line: `vela-ts x -o jsonpath='{.a}{"\\n"}'`, want: ["vela-ts", "x", "-o", 'jsonpath={.a}{"\\n"}'] },
    { line: 'a "b \\"c\\"" d\\ e', want: ["a", 'b "c"', "d e"] },
  ])("$line", ({ line, want }) => {
    expect(splitCommandLine(line)).toEqual(want);
  });
});
