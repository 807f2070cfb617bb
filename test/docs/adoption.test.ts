/**
 * docs/adoption.md's story runs as written, command by command, on a fresh sandbox (fake clock, cwd
 * = the project root), and does what the page says: `adopt` prints the example Application, adopting
 * restarts no pod, the scaler only adds pods, `status --tree` marks the adopted objects, `delete`
 * deletes what was taken over.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { splitCommandLine } from "../support/shell-words.js";

const PAGE = readFileSync(join(PROJECT_ROOT, "docs", "adoption.md"), "utf8");

/** The commands of the page's n-th `sh tested` block. */
function testedCommands(index = 0): string[][] {
  const block = [...PAGE.matchAll(/```sh tested\n([\s\S]*?)```/g)][index]?.[1] ?? "";
  return block
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => splitCommandLine(line));
}

describe("docs/adoption.md", () => {
  it("runs the adoption story as written, with no restart", async () => {
    const env = { VELA_TS_SANDBOX: join(tempDir("vela-ts-docs-"), "sb") };
    const clock = new FakeClock();
    const vela = (argv: readonly string[]): Promise<CliRun> => runCli(argv, { cwd: PROJECT_ROOT, env, clock });
    const pods = async (): Promise<{ uid: string; template: unknown }> => {
      const run = await vela(["sandbox", "get", "pods", "-o", "json"]);
      const items = (JSON.parse(run.stdout) as { items: { metadata: { uid: string } }[] }).items;
      const deployment = await vela(["sandbox", "get", "deployment", "legacy-api", "-o", "json"]);
      return {
        uid: items
          .map((item) => item.metadata.uid)
          .sort()
          .join(","),
        template: (JSON.parse(deployment.stdout) as { spec: { template: unknown } }).spec.template,
      };
    };
    const commands = testedCommands();
    expect(commands.map((argv) => argv.slice(0, 2).join(" "))).toEqual([
      "vela-ts sandbox",
      "vela-ts adopt",
      "vela-ts up",
      "vela-ts up",
      "vela-ts status",
      "vela-ts delete",
    ]);
    const outputs: string[] = [];
    let before: { uid: string; template: unknown } | undefined;
    for (const argv of commands) {
      expect(argv[0]).toBe("vela-ts");
      const run = await vela(argv.slice(1));
      expect(run.code, `vela-ts ${argv.slice(1).join(" ")}\n${run.stderr}`).toBe(0);
      outputs.push(run.stdout);
      if (outputs.length === 1) before = await pods();
      if (outputs.length === 3) expect(await pods()).toEqual(before);
      if (outputs.length === 4) {
        const after = await pods();
        expect(after.template).toEqual(before?.template);
        const uids = after.uid.split(",");
        expect(uids).toHaveLength(4);
        expect(uids).toEqual(expect.arrayContaining(before?.uid.split(",") ?? ["missing"]));
      }
    }
    const [, adopted = "", , , tree = "", deleted = ""] = outputs;
    expect(adopted).toBe(readFileSync(join(PROJECT_ROOT, "examples", "adoption", "legacy-app.yaml"), "utf8"));
    // The page shows the same Application.
    expect(PAGE.replace(/\n {3}/g, "\n")).toContain(adopted.trimEnd());
    for (const kind of ["Deployment", "Service", "Ingress"])
      expect(tree).toMatch(new RegExp(`${kind}/legacy-api.*\\(adopted, take-over\\)\\n`));
    expect(deleted).toContain("Deployment/default/legacy-api deleted");
    expect(deleted).toContain("Ingress/default/legacy-api deleted");
  });

  it("decompiles the adopted objects and applies the proposal with no restart, then releases a canary", async () => {
    const env = { VELA_TS_SANDBOX: join(tempDir("vela-ts-docs-"), "sb") };
    const clock = new FakeClock();
    const vela = (argv: readonly string[]): Promise<CliRun> => runCli(argv, { cwd: PROJECT_ROOT, env, clock });
    const pods = async (): Promise<{ uid: string; image: string }[]> => {
      const run = await vela(["sandbox", "get", "pods", "-o", "json"]);
      const items = (
        JSON.parse(run.stdout) as { items: { metadata: { uid: string }; spec: { containers: { image: string }[] } }[] }
      ).items;
      return items.map((item) => ({ uid: item.metadata.uid, image: item.spec.containers[0]?.image ?? "" }));
    };
    const commands = testedCommands(1);
    expect(commands.map((argv) => argv.slice(0, 2).join(" "))).toEqual([
      "vela-ts sandbox",
      "vela-ts up",
      "vela-ts adopt",
      "vela-ts up",
      "vela-ts up",
      "vela-ts up",
      "vela-ts workflow",
    ]);
    const runs: CliRun[] = [];
    let scaled: string[] = [];
    for (const argv of commands) {
      const run = await vela(argv.slice(1));
      expect(run.code, `vela-ts ${argv.slice(1).join(" ")}\n${run.stderr}`).toBe(0);
      runs.push(run);
      const now = await pods();
      if (runs.length === 2) scaled = now.map((pod) => pod.uid).sort();
      if (runs.length === 4 || runs.length === 5) expect(now.map((pod) => pod.uid).sort()).toEqual(scaled);
      if (runs.length === 6) {
        expect(now.map((pod) => pod.uid)).toEqual(expect.arrayContaining(scaled));
        expect(now.filter((pod) => pod.image === "nginx:1.26")).toHaveLength(1);
      }
    }
    const adopt = runs[2];
    const example = readFileSync(join(PROJECT_ROOT, "examples", "adoption", "legacy-decompiled.yaml"), "utf8");
    expect(adopt?.stdout).toBe(example.slice(example.indexOf("apiVersion:")));
    // The page shows what it says on standard error.
    for (const line of (adopt?.stderr ?? "").trimEnd().split("\n")) expect(PAGE).toContain(line.trim());
    expect(scaled).toHaveLength(4);
  });

  it("releases the canary in one apply that adds the kruise-rollout trait and the new image", async () => {
    const env = { VELA_TS_SANDBOX: join(tempDir("vela-ts-docs-"), "sb") };
    const clock = new FakeClock();
    const vela = (argv: readonly string[]): Promise<CliRun> => runCli(argv, { cwd: PROJECT_ROOT, env, clock });
    const pods = async (): Promise<{ uid: string; image: string }[]> => {
      const run = await vela(["sandbox", "get", "pods", "-o", "json"]);
      const items = (
        JSON.parse(run.stdout) as { items: { metadata: { uid: string }; spec: { containers: { image: string }[] } }[] }
      ).items;
      return items.map((item) => ({ uid: item.metadata.uid, image: item.spec.containers[0]?.image ?? "" }));
    };
    const commands = testedCommands(2);
    expect(commands.map((argv) => argv.slice(1, 3).join(" "))).toEqual([
      "sandbox apply",
      "up -f",
      "adopt deployment/legacy-api",
      "up -f",
      "up -f",
      "workflow resume",
    ]);
    expect(commands[4]).toContain("examples/adoption/legacy-canary.yaml");
    let scaled: string[] = [];
    for (const [index, argv] of commands.entries()) {
      const run = await vela(argv.slice(1));
      expect(run.code, `vela-ts ${argv.slice(1).join(" ")}\n${run.stderr}`).toBe(0);
      const now = await pods();
      if (index === 1) scaled = now.map((pod) => pod.uid).sort();
      if (index === 3) expect(now.map((pod) => pod.uid).sort()).toEqual(scaled);
      if (index === 4) {
        // The four old pods untouched, one canary pod on the new image.
        expect(
          now
            .filter((pod) => pod.image !== "nginx:1.26")
            .map((pod) => pod.uid)
            .sort(),
        ).toEqual(scaled);
        expect(now.filter((pod) => pod.image === "nginx:1.26")).toHaveLength(1);
      }
    }
    expect(scaled).toHaveLength(4);
  });
});
