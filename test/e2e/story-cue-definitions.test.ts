/**
 * DESIGN §1 story 7, KubeVela definitions unchanged: seed 002's `hc.node-affinity` TraitDefinition
 * (CUE schematic, `+patchKey`, `for k, v in`) loads as is, is stored in the cluster with `def apply`
 * and patches the workloads as KubeVela would (tolerations merged by key); a new trait is authored
 * in CUE with `def init`, `def vet`, `def doc`, `def apply`, then used by `up` without --definitions.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { storySandbox, type StorySandbox } from "../support/story.js";

interface PodSpec {
  readonly affinity?: unknown;
  readonly tolerations?: readonly Record<string, string>[];
  readonly containers?: readonly { readonly name?: string; readonly env?: readonly Record<string, string>[] }[];
}

async function podSpec(story: StorySandbox, name: string): Promise<PodSpec | undefined> {
  const deployment = await story.get({ apiVersion: "apps/v1", kind: "Deployment", name, namespace: "default" });
  return (deployment?.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
}

describe("story 7: KubeVela CUE definitions load unchanged", () => {
  let story: StorySandbox;

  beforeAll(async () => {
    story = await storySandbox({ charts: false });
    copyFileSync(
      join(PROJECT_ROOT, "test/fixtures/cue-definitions/hc-node-affinity.yaml"),
      join(story.cwd, "hc-node-affinity.yaml"),
    );
    copyFileSync(join(PROJECT_ROOT, "test/fixtures/cue-apps/node-affinity.yaml"), join(story.cwd, "app.yaml"));
  });

  it("an app using a definition the cluster does not have is refused, pointing at def apply", async () => {
    const run = await story.velaOk(["up", "-f", "app.yaml"], 1);
    expect(run.stderr).toMatch(
      /error\[E_DEF_NOT_FOUND\]: component "api": trait type "hc\.node-affinity" is not defined/,
    );
    expect(run.stderr).toMatch(/hint: did you mean "node-affinity"\?/);
  });

  it("def apply stores the KubeVela definition; up then needs no --definitions", async () => {
    const apply = await story.velaOk(["def", "apply", "hc-node-affinity.yaml"]);
    expect(apply.stdout).toBe("TraitDefinition/hc.node-affinity created\n");
    await story.velaOk(["up", "-f", "app.yaml"]);
    expect(await podSpec(story, "api")).toMatchObject({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] },
            ],
          },
        },
      },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "payments", effect: "NoSchedule" }],
    });
    // The workload already tolerated "dedicated" and "gpu": +patchKey=key merges the trait's list into it.
    expect((await podSpec(story, "batch"))?.tolerations).toEqual([
      { effect: "NoSchedule", key: "dedicated", operator: "Equal", value: "payments" },
      { effect: "NoSchedule", key: "gpu", operator: "Exists" },
      { effect: "NoSchedule", key: "spot", operator: "Equal", value: "true" },
    ]);
  });

  it("a toleration that contradicts the workload's for the same key is a conflict naming both values, as in KubeVela", async () => {
    const app = readFileSync(join(story.cwd, "app.yaml"), "utf8").replace(
      "              dedicated: payments\n              spot",
      "              dedicated: other-team\n              spot",
    );
    writeFileSync(join(story.cwd, "conflict.yaml"), app.replace("name: scheduling", "name: scheduling-conflict"));
    const run = await story.velaOk(["up", "-f", "conflict.yaml"], 1);
    expect(run.stderr).toMatch(
      /error\[E_PATCH_CONFLICT\]: component "batch": trait "hc\.node-affinity": definition "hc\.node-affinity" patch: spec\.template\.spec\.tolerations\.0\.value: conflicting values "payments" \(workload\) and "other-team" \(patch\)/,
    );
    // The definition now comes from the cluster: the position is in the stored template.
    expect(run.stderr).toMatch(/--> cluster:TraitDefinition\/hc\.node-affinity:\d+:13 /);
  });

  it("a new trait is authored in CUE: def init, def vet, def doc, def apply, then used", async () => {
    mkdirSync(join(story.cwd, "defs"));
    const local = (argv: readonly string[]): ReturnType<typeof runCli> => runCli(argv, { cwd: story.cwd });
    expect(
      (
        await local([
          "def",
          "init",
          "team-env",
          "-t",
          "trait",
          "--desc",
          "Team labels and env",
          "-o",
          "defs/team-env.cue",
        ])
      ).code,
    ).toBe(0);
    expect((await local(["def", "vet", "defs/team-env.cue"])).stdout).toBe(
      "defs/team-env.cue: Validation succeeded.\n",
    );
    const doc = await local(["def", "doc", "team-env", "--definitions", "defs"]);
    expect(doc.stdout).toContain("| labels | {[string]: string} | no |  | Labels to add to the workload's pods |");
    expect((await story.velaOk(["def", "apply", "defs/team-env.cue"])).stdout).toBe(
      "TraitDefinition/team-env created\n",
    );
    expect((await story.velaOk(["def", "get", "team-env"])).stdout).toContain("name: team-env");
    writeFileSync(
      join(story.cwd, "team.yaml"),
      [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:",
        "  name: team",
        "spec:",
        "  components:",
        "    - name: web",
        "      type: webservice",
        "      properties:",
        "        image: nginx:1.25",
        "        env: [{name: LOG, value: info}]",
        "      traits:",
        "        - type: team-env",
        "          properties:",
        "            labels: {team: payments}",
        '            env: {REGION: "eu"}',
        "",
      ].join("\n"),
    );
    await story.velaOk(["up", "-f", "team.yaml"]);
    const spec = await podSpec(story, "web");
    expect(spec?.containers?.[0]?.env).toEqual([
      { name: "LOG", value: "info" },
      { name: "REGION", value: "eu" },
    ]);
    const deployment = await story.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "web",
      namespace: "default",
    });
    expect(
      (deployment?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels
        .team,
    ).toBe("payments");
  });

  it("def del removes a stored definition", async () => {
    expect((await story.velaOk(["def", "del", "team-env"])).stdout).toBe("TraitDefinition/team-env deleted\n");
    const run = await story.velaOk(["def", "get", "team-env"], 1);
    expect(run.stderr).toMatch(/error\[E_DEF_NOT_FOUND\]: definition "team-env" is not stored in the cluster/);
  });
});
