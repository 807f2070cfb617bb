/**
 * Shell completion: the hidden `__complete` command (commands, flags, flag values and arguments from
 * the target sandbox), and the bash, zsh and fish scripts in the real shells — bash and zsh typed into
 * a tmux terminal, fish through `complete -C`. Shell tests skip when the shell, tmux or dist/ is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { findOnPath } from "../cluster/server/support.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { BUILT, NOT_BUILT_REASON, TMUX, TMUX_MISSING_REASON, startTerminal, velaOnPath } from "../support/terminal.js";

const BASH = findOnPath("bash");
const ZSH = findOnPath("zsh");
const FISH = findOnPath("fish");

const sandboxDir = join(tempDir("vela-ts-completion-"), "sb");
const env = { VELA_TS_SANDBOX: sandboxDir };

/** The words `__complete` answers with (descriptions dropped), and its directive. */
async function complete(
  words: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<{ values: string[]; directive: string }> {
  const run = await runCli(["__complete", ...words], { cwd: PROJECT_ROOT, env: { ...env, ...extraEnv } });
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  const lines = run.stdout.trimEnd().split("\n");
  return {
    values: lines.slice(0, -1).map((line) => line.split("\t")[0] ?? ""),
    directive: lines[lines.length - 1] ?? "",
  };
}

beforeAll(async () => {
  const clock = new FakeClock();
  for (const argv of [
    ["sandbox", "charts", "add", "https://charts.example.com/demo/", "examples/charts/repo"],
    ["up", "-f", "examples/apps/demo-app-v1.yaml", "--wait"],
    ["up", "-f", "examples/apps/demo-app-v2.yaml"],
    ["up", "-f", "examples/apps/shop-v1.yaml", "-n", "shop"],
  ]) {
    const run = await runCli(argv, { cwd: PROJECT_ROOT, env, clock });
    expect(run.code, run.stderr).toBe(0);
  }
}, 120_000);

describe("vela-ts __complete", () => {
  it.each([
    { name: "commands", words: ["st"], values: ["status"] },
    { name: "subcommands", words: ["workflow", "re"], values: ["resume", "restart"] },
    { name: "flags of a command and the program's", words: ["status", "--t"], values: ["--tree", "--timeout"] },
    { name: "app names", words: ["status", ""], values: ["demo-app"] },
    { name: "app names of the -n namespace", words: ["status", "-n", "shop", ""], values: ["shop"] },
    { name: "revision numbers of the app", words: ["revision", "get", "demo-app", ""], values: ["1", "2"] },
    {
      name: "--revision of rollback",
      words: ["workflow", "rollback", "demo-app", "--revision", ""],
      values: ["1", "2"],
    },
    { name: "namespaces", words: ["ls", "-n", ""], values: ["default", "shop"] },
    {
      name: "-o formats",
      words: ["ls", "-o", "j"],
      values: ["json", "jsonpath=", "jsonpath-as-json=", "jsonpath-file="],
    },
    { name: "--output= inline", words: ["ls", "--output=y"], values: ["--output=yaml"] },
    { name: "definition names", words: ["def", "doc", "kr"], values: ["kruise-rollout"] },
    { name: "definition names of -t", words: ["def", "doc", "-t", "component", "h"], values: ["helm"] },
    { name: "addon names", words: ["addon", "status", "i"], values: ["ingress-nginx", "istio"] },
    { name: "sandbox resources", words: ["sandbox", "get", "rollout"], values: ["rollouts"] },
    { name: "shells", words: ["completion", ""], values: ["bash", "zsh", "fish"] },
    { name: "--cluster", words: ["up", "--cluster", ""], values: ["sandbox", "kube"] },
    { name: "no app after the app", words: ["status", "demo-app", ""], values: [] },
  ])("$name: $words", async ({ words, values }) => {
    expect((await complete(words)).values).toEqual(values);
  });

  it("file arguments fall back to the shell's file names (directive 0); others never do (4)", async () => {
    expect(await complete(["up", "-f", ""])).toEqual({ values: [], directive: ":0" });
    expect((await complete(["status", ""])).directive).toBe(":4");
    // Values ending in `=` want more after them: no space (2) as well.
    expect((await complete(["ls", "-o", "jsonp"])).directive).toBe(":6");
  });

  it("kubeconfig contexts for --context", async () => {
    const file = join(tempDir(), "config");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: dev",
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: dev, context: {cluster: c, user: u}}, {name: prod, context: {cluster: c, user: u}}]",
        "",
      ].join("\n"),
    );
    expect((await complete(["ls", "--context", ""], { KUBECONFIG: file })).values).toEqual(["dev", "prod"]);
  });

  it("answers nothing, creates no sandbox and prints no error where there is no sandbox", async () => {
    const cwd = tempDir();
    const run = await runCli(["__complete", "status", ""], { cwd, env: {} });
    expect(run).toEqual({ code: 0, stdout: ":4\n", stderr: "" });
    expect(existsSync(join(cwd, ".vela-ts"))).toBe(false);
  });

  it("answers nothing when the cluster cannot be reached", async () => {
    const file = join(tempDir(), "config");
    writeFileSync(
      file,
      "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n",
    );
    expect(await complete(["status", ""], { KUBECONFIG: file, VELA_TS_SANDBOX: "" })).toEqual({
      values: [],
      directive: ":4",
    });
  });
});

describe.skipIf(!BUILT || BASH === undefined)(
  `the bash script ${!BUILT ? `(skipped: ${NOT_BUILT_REASON})` : BASH === undefined ? "(skipped: no bash)" : ""}`,
  () => {
    /** Runs the completion function as bash would for a line, with bash's own word splitting given. */
    function bashComplete(line: string, words: readonly string[]): string[] {
      const script = [
        "source <(vela-ts completion bash)",
        `COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}`,
        `COMP_WORDS=(${words.map((word) => JSON.stringify(word)).join(" ")}); COMP_CWORD=${words.length - 1}`,
        "_vela_ts_complete",
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join("\n");
      const out = execFileSync(BASH ?? "bash", ["--norc", "--noprofile", "-c", script], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env: { PATH: `${velaOnPath()}:${process.env.PATH ?? ""}`, HOME: tempDir(), ...env },
      });
      return out.split("\n").filter((value) => value !== "");
    }

    it.each([
      { line: "vela-ts st", words: ["vela-ts", "st"], want: ["status"] },
      {
        line: "vela-ts revision get demo-app ",
        words: ["vela-ts", "revision", "get", "demo-app", ""],
        want: ["1", "2"],
      },
      // bash splits `--output=js` into `--output`, `=`, `js`: the candidates lose their `--output=`.
      {
        line: "vela-ts ls --output=js",
        words: ["vela-ts", "ls", "--output", "=", "js"],
        want: ["json", "jsonpath=", "jsonpath-as-json=", "jsonpath-file="],
      },
    ])("$line", ({ line, words, want }) => {
      expect(bashComplete(line, words)).toEqual(want);
    });

    it.skipIf(TMUX === undefined)(
      `completes as you type in an interactive bash ${TMUX === undefined ? `(skipped: ${TMUX_MISSING_REASON})` : ""}`,
      async () => {
        const terminal = startTerminal("bash --norc --noprofile", {
          cwd: PROJECT_ROOT,
          env: { PATH: `${velaOnPath()}:${process.env.PATH ?? ""}`, HOME: tempDir(), PS1: "$ ", ...env },
        });
        try {
          await terminal.waitFor((screen) => /^\$$/m.test(screen));
          terminal.send("source <(vela-ts completion bash)", "Enter");
          await terminal.waitFor((screen) => /completion bash\)\n\$$/m.test(screen));
          terminal.send("vela-ts revision get dem", "Tab");
          // (capture-pane drops the space completion added after the name)
          await terminal.waitFor((screen) => /^\$ vela-ts revision get demo-app$/m.test(screen));
          terminal.send("Tab", "Tab");
          await terminal.waitFor((screen) => /^1\s+2\s*$/m.test(screen));
        } finally {
          terminal.close();
        }
      },
    );
  },
);

const ZSH_SKIP = !BUILT
  ? NOT_BUILT_REASON
  : ZSH === undefined || TMUX === undefined
    ? "zsh or tmux is not installed"
    : "";

describe.skipIf(ZSH_SKIP !== "")(`the zsh script ${ZSH_SKIP === "" ? "" : `(skipped: ${ZSH_SKIP})`}`, () => {
  it("completes app names and lists revisions with their names", async () => {
    const terminal = startTerminal("zsh -f", {
      cwd: PROJECT_ROOT,
      env: { PATH: `${velaOnPath()}:${process.env.PATH ?? ""}`, HOME: tempDir(), PS1: "%% ", ...env },
    });
    try {
      await terminal.waitFor((screen) => /^%$/m.test(screen));
      terminal.send("autoload -U compinit && compinit -u && source <(vela-ts completion zsh)", "Enter");
      await terminal.waitFor((screen) => /completion zsh\)\n%$/m.test(screen));
      terminal.send("vela-ts revision get dem", "Tab");
      await terminal.waitFor((screen) => /^% vela-ts revision get demo-app$/m.test(screen));
      terminal.send("Tab");
      await terminal.waitFor(
        (screen) => /^1\s+--\s+demo-app-v1$/m.test(screen) && /^2\s+--\s+demo-app-v2$/m.test(screen),
      );
    } finally {
      terminal.close();
    }
  });
});

describe.skipIf(!BUILT || FISH === undefined)(
  `the fish script ${!BUILT ? `(skipped: ${NOT_BUILT_REASON})` : FISH === undefined ? "(skipped: fish is not installed)" : ""}`,
  () => {
    function fishComplete(line: string): string[] {
      const out = execFileSync(
        FISH ?? "fish",
        ["--no-config", "-c", `vela-ts completion fish | source; complete -C ${JSON.stringify(line)}`],
        {
          cwd: PROJECT_ROOT,
          encoding: "utf8",
          env: { PATH: `${velaOnPath()}:${process.env.PATH ?? ""}`, HOME: tempDir(), ...env },
        },
      );
      return out.split("\n").filter((value) => value !== "");
    }

    it.each([
      { line: "vela-ts revision get demo-app ", want: ["1\tdemo-app-v1", "2\tdemo-app-v2"] },
      {
        line: "vela-ts status --tre",
        want: ["--tree\talso show the resource topology (tracked objects and what they own); -o wide does too"],
      },
      {
        line: "vela-ts up -f examples/apps/demo-app-v",
        want: ["examples/apps/demo-app-v1.yaml", "examples/apps/demo-app-v2.yaml"],
      },
    ])("$line", ({ line, want }) => {
      expect(fishComplete(line)).toEqual(want);
    });
  },
);
