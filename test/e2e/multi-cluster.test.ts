/**
 * Multi-cluster delivery from the CLI, in-process on a fake clock: two member sandboxes joined to
 * the hub, an app whose topology policies place it on each with an override for prod, `up`,
 * `status`, an update, a member out of reach mid-deploy (the step fails naming it, a later run
 * converges), and `delete` cleaning every cluster. Plus the cluster registry's bad input.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube-object.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { APPLICATION_API, readApplication, storyAt, storySandbox, type StorySandbox } from "../support/story.js";

const APP = join(PROJECT_ROOT, "examples", "multi-cluster", "app.yaml");
const APP_V2 = join(PROJECT_ROOT, "examples", "multi-cluster", "app-v2.yaml");

interface WebDeployment {
  readonly namespace: string | undefined;
  readonly replicas: unknown;
  readonly image: unknown;
  readonly stage: unknown;
}

function webOf(deployment: KubeObject): WebDeployment {
  const spec = deployment.spec as {
    replicas?: number;
    template?: { spec?: { containers?: { image?: string; env?: { name: string; value?: string }[] }[] } };
  };
  const container = spec.template?.spec?.containers?.[0];
  return {
    namespace: deployment.metadata.namespace,
    replicas: spec.replicas,
    image: container?.image,
    stage: container?.env?.find((entry) => entry.name === "STAGE")?.value,
  };
}

describe("an app placed on two joined sandbox clusters, with an override for prod", () => {
  let story: StorySandbox;
  let member: (name: string) => StorySandbox;
  const deployments = async (name: string, namespace = name): Promise<WebDeployment[]> =>
    (await member(name).list("apps/v1", "Deployment", namespace)).map(webOf);
  const trackers = async (): Promise<KubeObject[]> =>
    (
      JSON.parse((await story.velaOk(["sandbox", "get", "resourcetrackers", "-o", "json"])).stdout) as {
        items: KubeObject[];
      }
    ).items;

  beforeAll(async () => {
    story = await storySandbox();
    member = (name) => storyAt(story.cwd, `${story.dir}.members/${name}`, story.clock);
    await story.velaOk(["cluster", "join", "test"]);
    await story.velaOk(["cluster", "join", "prod"]);
  });

  it("cluster labels add gives prod the label the prod topology selects; list shows both members", async () => {
    await story.velaOk(["cluster", "labels", "add", "prod", "env=prod", "region=eu"]);
    await story.velaOk(["cluster", "labels", "del", "prod", "region"]);
    const list = await story.velaOk(["cluster", "list"]);
    expect(list.stdout).toMatch(/^local\s+Hub/m);
    expect(list.stdout).toMatch(/^prod\s+Sandbox\s+\S+prod\s+env=prod$/m);
    expect(list.stdout).toMatch(/^test\s+Sandbox\s+\S+test\s*$/m);
  });

  it("up deploys to test only, then waits for the approval; nothing lands on the hub", async () => {
    const up = await story.velaOk(["up", "-f", APP, "--wait"]);
    expect(up.stdout).toContain("step deploy-test [deploy]: succeeded");
    expect(up.stdout).toContain("step deploy-prod [deploy]: pending");
    expect(await deployments("test")).toEqual([{ namespace: "test", replicas: 1, image: "nginx:1.25", stage: "test" }]);
    expect(await deployments("prod")).toEqual([]);
    for (const namespace of ["default", "test", "prod"])
      expect(await story.list("apps/v1", "Deployment", namespace)).toEqual([]);
  });

  it("resume deploys prod with the override's replicas and env; status shows each placement", async () => {
    await story.velaOk(["workflow", "resume", "multi-env-demo", "--wait"]);
    expect(await deployments("prod")).toEqual([{ namespace: "prod", replicas: 3, image: "nginx:1.25", stage: "prod" }]);
    expect((await member("prod").pods("prod")).filter((pod) => pod.ready)).toHaveLength(3);
    const status = await story.velaOk(["status", "multi-env-demo"]);
    expect(status.stdout).toMatch(/Name: web\n\s+Cluster: test\n\s+Namespace: test\n[\s\S]*?Healthy: Ready:1\/1/);
    expect(status.stdout).toMatch(/Name: web\n\s+Cluster: prod\n\s+Namespace: prod\n[\s\S]*?Healthy: Ready:3\/3/);
    const app = await readApplication(story, "multi-env-demo");
    expect(app?.status.status).toBe("running");
    const managed = (await trackers()).flatMap(
      (tracker) => (tracker.spec as { managedResources?: { kind: string; cluster?: string }[] }).managedResources ?? [],
    );
    expect(managed.map((resource) => `${resource.cluster ?? "local"}/${resource.kind}`).sort()).toEqual([
      "prod/Deployment",
      "test/Deployment",
    ]);
  });

  it("detach refuses a cluster an app still uses", async () => {
    const run = await story.vela(["cluster", "detach", "prod"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error[E_CLUSTER_JOIN]: cluster "prod" is still used by application default/multi-env-demo',
    );
  });

  it("an update whose prod cluster is out of reach: test is updated, deploy-prod fails naming prod; back in reach, it converges", async () => {
    const prodDir = `${story.dir}.members/prod`;
    renameSync(prodDir, `${prodDir}.away`);
    await story.velaOk(["up", "-f", APP_V2, "--wait"]);
    expect(await deployments("test")).toEqual([{ namespace: "test", replicas: 1, image: "nginx:1.26", stage: "test" }]);
    const resumed = await story.vela(["workflow", "resume", "multi-env-demo"]);
    expect(resumed.stdout).toMatch(/step deploy-prod \[deploy\]: \w+ - cluster prod: cluster "prod" cannot be reached/);
    renameSync(`${prodDir}.away`, prodDir);
    expect(await deployments("prod")).toEqual([{ namespace: "prod", replicas: 3, image: "nginx:1.25", stage: "prod" }]);
    await story.velaOk(["up", "-f", APP_V2, "--wait"]);
    expect(await deployments("prod")).toEqual([{ namespace: "prod", replicas: 3, image: "nginx:1.26", stage: "prod" }]);
    expect((await readApplication(story, "multi-env-demo"))?.status.status).toBe("running");
  });

  it("delete removes the app from every cluster, then the cluster can be detached", async () => {
    const run = await story.velaOk(["delete", "multi-env-demo"]);
    expect(run.stdout).toContain("Deployment/prod/web in cluster prod deleted");
    expect(run.stdout).toContain("Deployment/test/web in cluster test deleted");
    expect(await deployments("test")).toEqual([]);
    expect(await deployments("prod")).toEqual([]);
    expect(await trackers()).toEqual([]);
    expect(await story.list(APPLICATION_API, "Application")).toEqual([]);
    await story.velaOk(["cluster", "detach", "prod"]);
    const list = await story.velaOk(["cluster", "list"]);
    expect(list.stdout).not.toMatch(/^prod/m);
  });
});

describe("the cluster registry refuses bad input clearly", () => {
  let story: StorySandbox;

  beforeAll(async () => {
    story = await storySandbox();
    await story.velaOk(["cluster", "join", "eu"]);
  });

  it.each([
    { argv: ["cluster", "join", "Bad_Name"], code: 2, message: 'cluster name "Bad_Name" is not a valid name' },
    { argv: ["cluster", "join", "local"], code: 2, message: '"local" is the hub cluster' },
    { argv: ["cluster", "join", "eu"], code: 1, message: 'error[E_CLUSTER_JOIN]: cluster "eu" is already joined' },
    { argv: ["cluster", "detach", "us"], code: 1, message: 'error[E_CLUSTER_UNKNOWN]: cluster "us" is not joined' },
    { argv: ["cluster", "labels", "add", "eu", "region"], code: 2, message: 'label "region" is not key=value' },
    { argv: ["cluster", "labels", "del", "eu", "region"], code: 1, message: 'cluster "eu" has no label "region"' },
  ])("vela-ts $argv → exit $code", async ({ argv, code, message }) => {
    const run = await story.vela(argv);
    expect(run.code, run.stderr).toBe(code);
    expect(run.stderr).toContain(message);
  });

  it("a member recorded in a form vela-ts cannot connect with is listed, and deploying to it says to join it again", async () => {
    // What an older vela-ts stored for a kubeconfig member: the file's path, no credentials.
    const stale = join(story.cwd, "stale-member.yaml");
    writeFileSync(
      stale,
      [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: test",
        "  namespace: vela-system",
        "  labels: { cluster.core.oam.dev/cluster-credential-type: Kubeconfig }",
        "data:",
        `  endpoint: ${Buffer.from("kubeconfig:///home/me/.kube/config").toString("base64")}`,
        "",
      ].join("\n"),
    );
    await story.velaOk(["sandbox", "apply", "-f", stale]);
    const list = await story.velaOk(["cluster", "list"]);
    expect(list.stdout).toMatch(/test\s+Kubeconfig\s+\(cannot connect: join it again with --member-kubeconfig\)/);
    const run = await story.vela(["cluster", "labels", "add", "test", "env=test"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      'error[E_CLUSTER_UNKNOWN]: cluster "test" is recorded with credential type Kubeconfig, which vela-ts cannot connect with',
    );
    expect(run.stderr).toContain("join it again: vela-ts cluster join test --member-kubeconfig FILE");
    // Detaching it removes the record.
    await story.velaOk(["cluster", "detach", "test"]);
    expect((await story.velaOk(["cluster", "list"])).stdout).not.toContain("Kubeconfig");
  });

  it("up with a topology whose label selector matches no cluster: the policy's line, nothing stored", async () => {
    const run = await story.vela(["up", "-f", APP]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error\[E_POLICY_INVALID\]: topology policy "test-env" names cluster "test", which is not known/,
    );
    expect(run.stderr).toMatch(/app\.yaml:25:\d+/);
    expect(run.stderr).toContain("known clusters: local, eu");
    expect(run.stderr).toContain('topology policy "prod-env" selects no cluster');
    expect(await story.list(APPLICATION_API, "Application")).toEqual([]);
  });
});
