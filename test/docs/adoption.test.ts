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

function testedCommands(): string[][] {
  const block = /```sh tested\n([\s\S]*?)```/.exec(PAGE)?.[1] ?? "";
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
});
