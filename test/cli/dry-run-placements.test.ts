/**
 * `vela-ts dry-run` of a multi-cluster app: every placement rendered under a header naming its
 * cluster and namespace (overrides applied), clusters resolved through the sandbox's registry
 * (names and label selectors) without writing to it, `--cluster` keeping one cluster's placements,
 * and the bad input (an unknown cluster, a filter no placement matches) refused clearly.
 */
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/shared.js";
import { storySandbox } from "../support/story.js";

const APP = join(PROJECT_ROOT, "examples", "multi-cluster", "app.yaml");

interface RenderedDeployment {
  readonly kind: string;
  readonly metadata: { readonly namespace?: string };
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: { readonly spec?: { readonly containers?: { env?: { value?: string }[] }[] } };
  };
}

function headers(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.startsWith("# "));
}

function deployments(stdout: string): RenderedDeployment[] {
  return parseAllDocuments(stdout)
    .map((document) => document.toJSON() as RenderedDeployment | null)
    .filter((object): object is RenderedDeployment => object?.kind === "Deployment");
}

async function joinedSandbox(): Promise<Awaited<ReturnType<typeof storySandbox>>> {
  const story = await storySandbox({ charts: false });
  await story.velaOk(["cluster", "join", "test"]);
  await story.velaOk(["cluster", "join", "prod"]);
  await story.velaOk(["cluster", "labels", "add", "prod", "env=prod"]);
  return story;
}

describe("dry-run per placement", () => {
  it("renders each placement under its cluster and namespace, with the override in prod, writing nothing", async () => {
    const story = await joinedSandbox();
    const before = await story.resourceVersion();
    const run = await story.velaOk(["dry-run", "-f", APP]);
    expect(headers(run.stdout)).toEqual([
      "# Application(multi-env-demo) -- Component(web) -- Placement(cluster test, namespace test, topology test-env)",
      "# Application(multi-env-demo) -- Component(web) -- Placement(cluster prod, namespace prod, topology prod-env)",
    ]);
    const [test, prod] = deployments(run.stdout);
    expect(test?.metadata.namespace).toBe("test");
    expect(test?.spec?.replicas).toBe(1);
    expect(test?.spec?.template?.spec?.containers?.[0]?.env?.[0]?.value).toBe("test");
    expect(prod?.metadata.namespace).toBe("prod");
    expect(prod?.spec?.replicas).toBe(3);
    expect(prod?.spec?.template?.spec?.containers?.[0]?.env?.[0]?.value).toBe("prod");
    expect(await story.resourceVersion()).toBe(before);
  });

  it("--cluster keeps one cluster's placements, in every output format", async () => {
    const story = await joinedSandbox();
    const run = await story.velaOk(["dry-run", "-f", APP, "--cluster", "prod"]);
    expect(headers(run.stdout)).toEqual([
      "# Application(multi-env-demo) -- Component(web) -- Placement(cluster prod, namespace prod, topology prod-env)",
    ]);
    const names = await story.velaOk(["dry-run", "-f", APP, "--cluster", "test", "-o", "name"]);
    expect(names.stdout.trim()).toBe("deployment.apps/web");
  });

  it("an app without placements is on local: --cluster local keeps it, another cluster is refused", async () => {
    const story = await storySandbox({ charts: false });
    const demo = join(PROJECT_ROOT, "examples", "apps", "demo-app-v1.yaml");
    const local = await story.velaOk(["dry-run", "-f", demo, "--cluster", "local"]);
    expect(headers(local.stdout).length).toBeGreaterThan(0);
    const other = await story.vela(["dry-run", "-f", demo, "--cluster", "prod"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('error[E_USAGE]: no placement of the application is on cluster "prod"');
    expect(other.stderr).toContain("hint: its placements are on: local");
  });

  it("a filter no placement matches names the clusters there are", async () => {
    const story = await joinedSandbox();
    const run = await story.vela(["dry-run", "-f", APP, "--cluster", "staging"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no placement of the application is on cluster "staging"');
    expect(run.stderr).toContain("hint: its placements are on: test, prod");
  });

  it("without the clusters joined, the topology's unknown cluster is refused at its line", async () => {
    const story = await storySandbox({ charts: false });
    const run = await story.vela(["dry-run", "-f", APP]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('topology policy "test-env" names cluster "test", which is not known');
    expect(run.stderr).toContain("app.yaml:25:19");
    expect(run.stderr).toContain("hint: known clusters: local");
  });
});
