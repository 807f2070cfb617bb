import { createServer, type Server } from "node:http";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli, tempDir } from "../support/cli.js";
import { HAS_SHARED, PROJECT_ROOT, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";

const REPO_URL = "https://charts.example.com/demo/";
const MAPPING = `${REPO_URL}=examples/charts/repo`;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function app(options: { name?: string; url?: string; version?: string; values?: string; trait?: string } = {}): string {
  const trait =
    options.trait ??
    "            canary:\n              steps: [{weight: 20}, {weight: 90}]\n              trafficRoutings: [{type: nginx}]\n";
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: store
spec:
  components:
    - name: ${options.name ?? "shop"}
      type: helm
      properties:
        url: ${options.url ?? REPO_URL}
        chart: demo-app
        version: "${options.version ?? "1.0.0"}"
${options.values === undefined ? "" : `        values: ${options.values}\n`}      traits:
        - type: kruise-rollout
          properties:
${trait}`;
}

/** Splits the YAML stream into groups by header comment. */
function groups(stdout: string): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  const parts = stdout.split(/^# (Application\(.*\))$/m);
  for (let index = 1; index + 1 < parts.length; index += 2) {
    const objects = parseAllDocuments(parts[index + 1] ?? "")
      .map((document) => document.toJS() as Obj | null)
      .filter((value): value is Obj => value !== null);
    out.set(parts[index] ?? "", objects);
  }
  return out;
}

function find(objects: readonly Obj[] | undefined, kind: string): Obj | undefined {
  return objects?.find((object) => object.kind === kind);
}

function dryRun(text: string, extra: readonly string[] = ["--chart-repo", MAPPING]): ReturnType<typeof runCli> {
  return runCli(["dry-run", "-f", "-", "--expand-charts", ...extra], { cwd: PROJECT_ROOT, stdin: text });
}

describe("vela-ts dry-run --expand-charts with the example chart repository", () => {
  it.each([
    {
      name: "demo-app 1.0.0, chart defaults",
      version: "1.0.0",
      values: undefined,
      replicas: 5,
      image: "ghcr.io/vela-ts/demo-app:v1",
      kinds: ["Service", "Deployment", "Ingress"],
    },
    {
      name: "demo-app 2.0.0, chart defaults",
      version: "2.0.0",
      values: undefined,
      replicas: 5,
      image: "ghcr.io/vela-ts/demo-app:v2",
      kinds: ["Service", "Deployment", "Ingress"],
    },
    {
      name: "demo-app 2.0.0 with replicaCount and image.tag",
      version: "2.0.0",
      values: "{replicaCount: 2, image: {tag: v3}}",
      replicas: 2,
      image: "ghcr.io/vela-ts/demo-app:v3",
      kinds: ["Service", "Deployment", "Ingress"],
    },
    {
      name: "demo-app 1.0.0 with autoscaling: an HPA and no replicas",
      version: "1.0.0",
      values: "{autoscaling: {enabled: true}}",
      replicas: undefined,
      image: "ghcr.io/vela-ts/demo-app:v1",
      kinds: ["Service", "Deployment", "HorizontalPodAutoscaler", "Ingress"],
    },
  ])("$name", async ({ version, values, replicas, image, kinds }) => {
    const run = await dryRun(app({ version, ...(values === undefined ? {} : { values }) }));
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    const byHeader = groups(run.stdout);
    // The kruise-rollout trait is PreDispatch: the Rollout's group comes first.
    expect([...byHeader.keys()]).toEqual([
      "Application(store) -- Component(shop) -- Stage(PreDispatch)",
      "Application(store) -- Component(shop) -- Stage(DefaultDispatch)",
      `Application(store) -- Component(shop) -- Chart(demo-app@${version})`,
    ]);
    const chart = byHeader.get(`Application(store) -- Component(shop) -- Chart(demo-app@${version})`) ?? [];
    expect(chart.map((object) => object.kind)).toEqual(kinds);
    for (const object of chart) {
      expect(object.metadata.name).toBe("shop-demo-app");
      expect(object.metadata.namespace).toBe("default");
      expect(object.metadata.labels?.["helm.toolkit.fluxcd.io/name"]).toBe("shop");
      expect(object.metadata.labels?.["helm.toolkit.fluxcd.io/namespace"]).toBe("default");
      expect(object.metadata.annotations?.["meta.helm.sh/release-name"]).toBe("shop");
    }
    const deployment = find(chart, "Deployment");
    expect(deployment?.spec?.replicas).toBe(replicas);
    expect(JSON.stringify(deployment?.spec)).toContain(`"image":"${image}"`);
    const rollout = find(byHeader.get("Application(store) -- Component(shop) -- Stage(PreDispatch)"), "Rollout");
    expect((rollout?.spec?.objectRef as { workloadRef: unknown }).workloadRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "shop-demo-app",
    });
    expect(run.stderr).toContain("Deployment/shop → Deployment/shop-demo-app");
  });

  it("keeps KubeVela's target when it is right (component named after the chart) and warns about nothing", async () => {
    const run = await dryRun(app({ name: "demo-app" }));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const chart = groups(run.stdout).get("Application(store) -- Component(demo-app) -- Chart(demo-app@1.0.0)");
    expect(find(chart, "Deployment")?.metadata.name).toBe("demo-app");
  });

  it("prints the chart's objects in the JSON List too", async () => {
    const run = await dryRun(app(), ["--chart-repo", MAPPING, "-o", "json"]);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { items: Obj[] };
    // In the order they are applied: the PreDispatch Rollout first.
    expect(list.items.map((item) => item.kind)).toEqual([
      "Rollout",
      "HelmRelease",
      "HelmRepository",
      "Service",
      "Deployment",
      "Ingress",
    ]);
  });

  it.each([
    {
      name: "a workloadType the chart does not deploy",
      text: app({
        trait:
          "            workloadType: {apiVersion: apps/v1, kind: StatefulSet}\n            canary:\n              steps: [{replicas: 1}]\n",
      }),
      code: "E_ROLLOUT_TARGET",
      mentions: ["StatefulSet", "Deployment/shop-demo-app", "<stdin>:14:11"],
    },
    {
      name: "an ingress routing with the chart's Ingress disabled",
      text: app({ values: "{ingress: {enabled: false}}" }),
      code: "E_ROLLOUT_TARGET",
      mentions: ["needs an Ingress", "Deployment/shop-demo-app", "Service/shop-demo-app"],
    },
    {
      name: "a Service name the chart does not create",
      text: app({
        trait:
          "            canary:\n              steps: [{weight: 20}]\n              trafficRoutings: [{type: nginx, service: shop}]\n",
      }),
      code: "E_ROLLOUT_TARGET",
      mentions: ["Service/shop,", "Service/shop-demo-app"],
    },
    {
      name: "a repository with no local mirror",
      text: app({ url: "https://charts.unknown.example.org/stable/" }),
      code: "E_CHART_FETCH",
      mentions: [
        "https://charts.unknown.example.org/stable/",
        "--chart-repo https://charts.unknown.example.org/stable=DIR",
      ],
    },
    {
      name: "a version the repository does not have",
      text: app({ version: "3.0.0" }),
      code: "E_CHART_FETCH",
      mentions: ["3.0.0", "available versions: 2.0.0, 1.0.0"],
    },
  ])("$name: exit 1, nothing on stdout", async ({ text, code, mentions }) => {
    const run = await dryRun(text);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`error[${code}]`);
    for (const mention of mentions) expect(run.stderr).toContain(mention);
  });

  it("an unreachable loopback repository is a clear error", async () => {
    const run = await dryRun(app({ url: "http://127.0.0.1:9/charts/" }), []);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error[E_CHART_FETCH]");
    expect(run.stderr).toContain("http://127.0.0.1:9/charts/");
  });

  it.each([
    { name: "--chart-repo without --expand-charts", argv: ["dry-run", "-f", "-", "--chart-repo", MAPPING], code: 2 },
    {
      name: "a --chart-repo that is not URL=DIR",
      argv: ["dry-run", "-f", "-", "--expand-charts", "--chart-repo", "examples/charts/repo"],
      code: 2,
    },
  ])("$name: usage error", async ({ argv, code }) => {
    const run = await runCli(argv, { cwd: PROJECT_ROOT, stdin: app() });
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error[E_USAGE]");
  });

  it("uses the chart mirrors of the sandbox (read only) when no --chart-repo maps the URL", async () => {
    const sandbox = tempDir();
    writeFileSync(
      join(sandbox, "chart-mirrors.json"),
      JSON.stringify({ mirrors: { "https://charts.example.com/demo": join(PROJECT_ROOT, "examples/charts/repo") } }),
    );
    const before = readdirSync(sandbox);
    const run = await dryRun(app({ version: "2.0.0" }), ["--sandbox", sandbox]);
    expect(run.code).toBe(0);
    expect(groups(run.stdout).has("Application(store) -- Component(shop) -- Chart(demo-app@2.0.0)")).toBe(true);
    expect(readdirSync(sandbox)).toEqual(before);
    const viaEnv = await runCli(["dry-run", "-f", "-", "--expand-charts"], {
      cwd: PROJECT_ROOT,
      stdin: app(),
      env: { VELA_TS_SANDBOX: sandbox },
    });
    expect(viaEnv.code).toBe(0);
  });

  describe("a loopback http repository", () => {
    let server: Server;
    let url = "";
    beforeAll(async () => {
      const dir = join(PROJECT_ROOT, "examples/charts/repo");
      server = createServer((request, response) => {
        const file = join(dir, (request.url ?? "/").replace(/^\/charts\//, ""));
        if (!existsSync(file)) {
          response.statusCode = 404;
          response.end();
          return;
        }
        response.end(readFileSync(file));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/charts/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it.each([
      { name: "named in the component", mapping: false },
      { name: "as the target of --chart-repo", mapping: true },
    ])("$name", async ({ mapping }) => {
      const run = await dryRun(
        app({ url: mapping ? REPO_URL : url, version: "~1.0" }),
        mapping ? ["--chart-repo", `${REPO_URL}=${url}`] : [],
      );
      expect(run.stderr).not.toContain("error");
      expect(run.code).toBe(0);
      expect(
        find(groups(run.stdout).get("Application(store) -- Component(shop) -- Chart(demo-app@1.0.0)"), "Deployment")
          ?.metadata.name,
      ).toBe("shop-demo-app");
    });
  });
});

describe.skipIf(!HAS_SHARED)(
  `dry-run --expand-charts of the upstream helm-kruise-rollout examples (${HAS_SHARED ? "../shared" : SHARED_MISSING_REASON})`,
  () => {
    const mapping = `https://wangyikewxgm.github.io/my-charts/=${sharedPath("reference/charts/my-charts")}`;

    it.each([
      { file: "canary-demo-helm-v1.yaml", version: "1.0.0", image: "barnett/canarydemo:v1" },
      { file: "canary-demo-helm-v2.yaml", version: "2.0.0", image: "barnett/canarydemo:v2" },
    ])("$file: the Rollout targets the chart's Deployment canary-demo", async ({ file, version, image }) => {
      const path = sharedPath("reference/kubevela-examples/helm-kruise-rollout", file);
      const run = await runCli(["dry-run", "-f", path, "--expand-charts", "--chart-repo", mapping], {
        cwd: PROJECT_ROOT,
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const byHeader = groups(run.stdout);
      const chart = byHeader.get(`Application(canary-demo) -- Component(canary-demo) -- Chart(canary-demo@${version})`);
      expect(chart?.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
        "ServiceAccount/canary-demo",
        "Service/canary-demo",
        "Deployment/canary-demo",
        "Ingress/canary-demo",
      ]);
      expect(JSON.stringify(find(chart, "Deployment")?.spec)).toContain(image);
      const rollout = find(
        byHeader.get("Application(canary-demo) -- Component(canary-demo) -- Stage(PreDispatch)"),
        "Rollout",
      );
      expect((rollout?.spec?.objectRef as { workloadRef: unknown }).workloadRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "canary-demo",
      });
    });

    it("without the mapping, the error names the upstream URL and the --chart-repo hint", async () => {
      const path = sharedPath("reference/kubevela-examples/helm-kruise-rollout/canary-demo-helm-v1.yaml");
      const run = await runCli(["dry-run", "-f", path, "--expand-charts", "--sandbox", tempDir()], {
        cwd: PROJECT_ROOT,
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("https://wangyikewxgm.github.io/my-charts/");
      expect(run.stderr).toContain("--chart-repo");
    });
  },
);
