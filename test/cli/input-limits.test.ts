import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSandbox } from "../../src/cluster/index.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";

const app = (componentName: string, extra = ""): string => `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: demo${extra}
spec:
  components:
    - name: ${componentName}
      type: webservice
      properties:
        image: nginx:1.25
`;

const BOMB = [
  "apiVersion: v1",
  "kind: ConfigMap",
  "metadata: {name: bomb}",
  "data:",
  "  a: &a [x, x, x, x, x, x, x, x, x, x]",
  ...["b", "c", "d", "e", "f", "g", "h", "i"].map(
    (letter, index) => `  ${letter}: &${letter} [${Array(10).fill(`*${"abcdefghi"[index]}`).join(", ")}]`,
  ),
].join("\n");

async function storedApplications(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const sandbox = await openSandbox({ dir, clock: new FakeClock(), controllers: [] });
  try {
    return (await sandbox.list("core.oam.dev/v1beta1", "Application")).length;
  } finally {
    sandbox.close();
  }
}

describe("what dry-run accepts, up accepts; what up refuses, dry-run refuses first", () => {
  it.each([
    { name: "a component name with a colon", text: app("ap:i"), line: 7, pattern: /spec\.components\.0\.name/ },
    {
      name: "a component name of 8 MB",
      text: app("a".repeat(8 * 1024 * 1024)),
      line: 7,
      pattern: /more than 63 characters/,
    },
    {
      name: "a label value the API server refuses",
      text: app("api").replace("  name: demo\n", "  name: demo\n  labels: {team: 'a b'}\n"),
      line: 5,
      pattern: /label "team" has an invalid value/,
    },
  ])("$name: both exit 1 with file:line, and up writes nothing", async ({ text, line, pattern }) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "app.yaml"), text);
    const dry = await runCli(["dry-run", "-f", "app.yaml"], { cwd });
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stderr).toMatch(pattern);
    expect(dry.stderr).toContain(`app.yaml:${line}:`);
    const up = await runCli(["up", "-f", "app.yaml", "--sandbox", "sandbox"], { cwd });
    expect(up.code, up.stderr).toBe(1);
    expect(up.stderr).toMatch(pattern);
    expect(up.stderr).toContain(`app.yaml:${line}:`);
    expect(await storedApplications(join(cwd, "sandbox"))).toBe(0);
  });

  it("an alias bomb is refused with exit 1 by dry-run, up and sandbox apply", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "bomb.yaml"), BOMB);
    for (const argv of [
      ["dry-run", "-f", "bomb.yaml"],
      ["up", "-f", "bomb.yaml", "--sandbox", "sandbox"],
      ["sandbox", "apply", "-f", "bomb.yaml", "--sandbox", "sandbox"],
    ]) {
      const run = await runCli(argv, { cwd });
      expect(run.code, `${argv.join(" ")}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toContain("error[E_YAML_LIMIT]");
      expect(run.stderr).toContain("bomb.yaml:");
      expect(run.stderr).not.toMatch(/E_INTERNAL|\n\s+at /);
    }
  });

  it("an undefined alias in a definition file is a clear error of def vet", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "def.yaml"),
      "apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\nmetadata:\n  name: broken\nspec: *nothing\n",
    );
    const run = await runCli(["def", "vet", "def.yaml"], { cwd });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("alias *nothing refers to no anchor");
    expect(run.stderr).toContain("def.yaml:5:");
  });

  it("an input file over the size cap is refused before it is read", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "huge.yaml"), `a: "${"x".repeat(17 * 1024 * 1024)}"\n`);
    const run = await runCli(["dry-run", "-f", "huge.yaml"], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("huge.yaml is 17.0 MiB, more than the 16 MiB vela-ts reads");
  });
});
