/**
 * docs/policies.md's stories run as written, command by command, on a fresh sandbox (fake clock,
 * cwd = the project root), and do what the page says; its error example is what `up` prints for
 * that mistake in the page's own Application.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { splitCommandLine } from "../support/shell-words.js";

const PAGE = readFileSync(join(PROJECT_ROOT, "docs", "policies.md"), "utf8");

function testedBlocks(): string[][][] {
  return [...PAGE.matchAll(/```sh tested\n([\s\S]*?)```/g)].map((match) =>
    (match[1] ?? "")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => splitCommandLine(line)),
  );
}

function sandboxRunner(): (argv: readonly string[]) => Promise<CliRun> {
  const env = { VELA_TS_SANDBOX: join(tempDir("vela-ts-docs-"), "sb") };
  const clock = new FakeClock();
  return (argv) => runCli(argv, { cwd: PROJECT_ROOT, env, clock });
}

async function runBlock(block: readonly string[][]): Promise<string[]> {
  const vela = sandboxRunner();
  const outputs: string[] = [];
  for (const argv of block) {
    expect(argv[0]).toBe("vela-ts");
    const run = await vela(argv.slice(1));
    expect(run.code, `vela-ts ${argv.slice(1).join(" ")}\n${run.stderr}`).toBe(0);
    outputs.push(run.stdout);
  }
  return outputs;
}

describe("docs/policies.md", () => {
  const [gcStory = [], applyOnceStory = [], sharedStory = []] = testedBlocks();

  it("the garbage-collect story: the update keeps what the rules say, delete goes in dependency order", async () => {
    expect(gcStory.map((argv) => argv.slice(0, 3).join(" "))).toEqual([
      "vela-ts up -f",
      "vela-ts up -f",
      "vela-ts sandbox get",
      "vela-ts sandbox get",
      "vela-ts delete shop",
      "vela-ts sandbox get",
      "vela-ts sandbox get",
    ]);
    const [, , deployments = "", configMaps = "", deleted = "", configMapsAfter = "", podsAfter = ""] =
      await runBlock(gcStory);
    const names = (table: string): string[] =>
      table
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(/\s+/)[0] ?? "");
    expect(names(deployments)).toEqual(["api", "front"]);
    expect(names(configMaps)).toEqual(["audit", "flags"]);
    const lines = deleted.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "Deployment/default/front deleted",
      "Deployment/default/api deleted",
      "ConfigMap/default/flags deleted",
    ]);
    expect(lines).toContain("ConfigMap/default/audit kept: kept by the garbage-collect policy (strategy: never)");
    expect(lines.at(-1)).toMatch(/^Application default\/shop deleted \(sandbox /);
    for (const line of lines.slice(0, 3)) expect(PAGE).toContain(line);
    expect(PAGE).toContain("ConfigMap/default/audit kept: kept by the garbage-collect policy (strategy: never)");
    expect(names(configMapsAfter)).toEqual(["audit"]);
    const pods = names(podsAfter);
    expect(pods.some((pod) => pod.startsWith("api-"))).toBe(true);
    expect(pods.some((pod) => pod.startsWith("front-"))).toBe(false);
  });

  it("the page shows the example's policy as it is", () => {
    const example = readFileSync(join(PROJECT_ROOT, "examples", "policies", "shop-v1.yaml"), "utf8");
    const policy = example.slice(example.indexOf("  policies:"));
    expect(PAGE).toContain(policy.trimEnd());
  });

  it("the error example is what up prints for that mistake", async () => {
    const dir = tempDir("vela-ts-docs-");
    const example = readFileSync(join(PROJECT_ROOT, "examples", "policies", "shop-v1.yaml"), "utf8");
    writeFileSync(join(dir, "shop.yaml"), example.replace("strategy: onAppDelete", "strategy: sometimes"));
    const run = await runCli(["up", "-f", "shop.yaml"], {
      cwd: dir,
      env: { VELA_TS_SANDBOX: join(dir, "sb") },
      clock: new FakeClock(),
    });
    expect(run.code).not.toBe(0);
    const shown = /```text\n(error\[E_PARAM_INVALID\][\s\S]*?)```/.exec(PAGE)?.[1] ?? "missing";
    expect(run.stderr).toContain(shown.trimEnd());
  });

  it("the apply-once story: the replicas a live edit set survive, the image is reverted", async () => {
    expect(applyOnceStory.map((argv) => argv.slice(0, 2).join(" "))).toEqual([
      "vela-ts up",
      "vela-ts sandbox",
      "vela-ts up",
      "vela-ts sandbox",
    ]);
    const outputs = await runBlock(applyOnceStory);
    expect(outputs.at(-1)?.trim()).toBe("4/nginx:1.25");
    expect(PAGE).toContain("prints `4/nginx:1.25`");
  });

  it("the shared-resource story: the second app joins, the first's delete hands over, the last deletes", async () => {
    expect(sharedStory.map((argv) => argv.slice(0, 2).join(" "))).toEqual([
      "vela-ts up",
      "vela-ts up",
      "vela-ts sandbox",
      "vela-ts delete",
      "vela-ts sandbox",
      "vela-ts delete",
    ]);
    const [, , sharedBy = "", firstDelete = "", owner = "", lastDelete = ""] = await runBlock(sharedStory);
    expect(sharedBy.trim()).toBe("default/checkout,default/payments");
    const kept =
      "ConfigMap/default/platform-settings kept: still shared by application default/payments (app.oam.dev/shared-by)";
    expect(firstDelete).toContain(kept);
    expect(PAGE.replace(/\n/g, " ")).toContain(kept);
    expect(owner.trim()).toBe("payments");
    expect(lastDelete).toContain("ConfigMap/default/platform-settings deleted");
    expect(PAGE).toContain("prints `default/checkout,default/payments`");
  });

  it("the ownership example: a second app without the policy fails the refused step, the object untouched", async () => {
    const vela = sandboxRunner();
    expect((await vela(["up", "-f", "examples/policies/checkout.yaml", "--wait"])).code).toBe(0);
    const refused = await vela(["up", "-f", "examples/policies/billing.yaml", "--wait"]);
    expect(refused.code).toBe(3);
    const shown = /```text\n(step platform-settings[\s\S]*?)```/.exec(PAGE)?.[1] ?? "missing";
    expect(refused.stdout).toContain(shown.trimEnd());
    const status = await vela(["status", "billing"]);
    expect(status.stdout).toContain("phase: failed");
    expect(status.stdout).toMatch(/WorkflowFinished\s+False\s+WorkflowFailed\s+\S+\s+workflow of billing-v1 failed/);
    const region = await vela(["sandbox", "get", "configmap", "platform-settings", "-o", "jsonpath={.data.region}"]);
    expect(region.stdout.trim()).toBe("eu-west-1");
    const owner = await vela([
      "sandbox",
      "get",
      "configmap",
      "platform-settings",
      "-o",
      "jsonpath={.metadata.labels.app\\.oam\\.dev/name}",
    ]);
    expect(owner.stdout.trim()).toBe("checkout");
  });
});
