import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { storySandbox } from "../support/story.js";

/**
 * docs/definitions.md "Dispatch stages": its PostDispatch definition passes `def vet`, `dry-run`
 * prints the stages as the page says, and `up` writes the ConfigMap with the live ready replicas.
 */

const PAGE = readFileSync(join(PROJECT_ROOT, "docs", "definitions.md"), "utf8");

function yamlBlocks(after: string): string[] {
  const section = PAGE.slice(PAGE.indexOf(after), PAGE.indexOf("\n## ", PAGE.indexOf(after) + 1));
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

describe("docs/definitions.md dispatch stages", () => {
  it("runs the PostDispatch example as the page says", { timeout: 120_000 }, async () => {
    const [definition = "", app = ""] = yamlBlocks("## Dispatch stages");
    const story = await storySandbox({ charts: false });
    mkdirSync(join(story.cwd, "defs"));
    writeFileSync(join(story.cwd, "defs", "ready-record.yaml"), definition);
    writeFileSync(join(story.cwd, "app.yaml"), app);
    const vet = await runCli(["def", "vet", "defs/ready-record.yaml"], { cwd: story.cwd });
    expect(vet).toEqual({ code: 0, stdout: "defs/ready-record.yaml: Validation succeeded.\n", stderr: "" });

    const dry = await story.velaOk(["dry-run", "-f", "app.yaml", "--definitions", "defs"]);
    expect(dry.stdout.match(/^# .*$/gm)).toEqual([
      "# Application(recorded) -- Component(recorded) -- Stage(DefaultDispatch)",
      "# Application(recorded) -- Component(recorded) -- Stage(PostDispatch)",
    ]);
    const post = dry.stdout.slice(dry.stdout.indexOf("Stage(PostDispatch)"));
    expect(post).toContain("kind: ConfigMap");
    expect(post).not.toContain("readyReplicas");

    await story.velaOk(["up", "-f", "app.yaml", "--definitions", "defs", "--wait"]);
    const record = await story.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "recorded-ready",
      namespace: "default",
    });
    expect(record?.data).toEqual({ workload: "recorded", readyReplicas: "2" });
  });
});
