/**
 * A dashboard on a real cluster (a `vela-ts sandbox serve` stands in for one, through its kubeconfig)
 * that goes away: the API and the page say the cluster does not answer, keep the last state, and
 * recover on their own when it is back (here: restarted on the same port with a new token and
 * certificate in the same kubeconfig file, which the dashboard reads again).
 */
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveSandbox, type ServingSandbox } from "../../src/operations/index.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { SystemClock } from "../../src/util/clock.js";
import {
  buildDashboardBundle,
  CHROMIUM_MISSING_REASON,
  HAS_CHROMIUM,
  launchBrowser,
  request,
} from "../support/dashboard.js";
import { startDashboard } from "../../src/dashboard/index.js";
import { exampleApp, storySandbox, type StorySandbox } from "../support/story.js";

interface Health {
  readonly reachable: boolean;
  readonly code?: string;
  readonly message?: string;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A served sandbox, a dashboard on its kubeconfig, and a way to take the server down and up again. */
async function servedCluster(): Promise<{
  story: StorySandbox;
  dashboard: RunningDashboard;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}> {
  const story = await storySandbox({ charts: false });
  await story.velaOk(["up", "-f", exampleApp("shop-v1.yaml")]);
  const kubeconfig = join(story.cwd, "kubeconfig");
  const clock = new SystemClock();
  let serving: ServingSandbox | undefined = await serveSandbox({
    sandboxDir: story.dir,
    kubeconfigOut: kubeconfig,
    clock,
  });
  const port = serving.port;
  const dashboard = await startDashboard({
    target: {
      cwd: story.cwd,
      kubeconfig,
      clock,
      command: "vela-ts dashboard (test)",
      http: () => Promise.reject(new Error("no HTTP in dashboard tests")),
      kubeClient: { reachDeadlineMs: 1000, initialBackoffMs: 50, connectTimeoutMs: 1000 },
    },
    clock,
    version: "test",
    bundleDir: buildDashboardBundle(),
  });
  return {
    story,
    dashboard,
    async stop() {
      await serving?.close();
      serving = undefined;
    },
    async restart() {
      serving = await serveSandbox({ sandboxDir: story.dir, kubeconfigOut: kubeconfig, clock, port });
    },
    async close() {
      await dashboard.close();
      await serving?.close();
    },
  };
}

describe("dashboard on a cluster that goes away (served sandbox through its kubeconfig)", () => {
  let cluster: Awaited<ReturnType<typeof servedCluster>>;
  const health = async (): Promise<Health> =>
    JSON.parse(
      (
        await request(cluster.dashboard, "/api/health", {
          headers: { Authorization: `Bearer ${cluster.dashboard.token}` },
        })
      ).text,
    ) as Health;

  beforeAll(async () => {
    cluster = await servedCluster();
  }, 60_000);
  afterAll(async () => cluster?.close());

  it("reads the cluster through the kubeconfig", async () => {
    const apps = await request(cluster.dashboard, "/api/apps", {
      headers: { Authorization: `Bearer ${cluster.dashboard.token}` },
    });
    expect(apps.status, apps.text).toBe(200);
    expect(JSON.parse(apps.text)).toMatchObject({ apps: [{ name: "shop", namespace: "default" }] });
    expect(cluster.dashboard.target).toMatch(/^cluster /);
    expect((await health()).reachable).toBe(true);
    const detail = await request(cluster.dashboard, "/api/apps/default/shop", {
      headers: { Authorization: `Bearer ${cluster.dashboard.token}` },
    });
    expect(detail.status, detail.text).toBe(200);
    const view = JSON.parse(detail.text) as {
      phase: string;
      topology: { kind: string; children: { name: string; children: { kind: string }[] }[] };
    };
    expect(view.phase).toBe("running");
    expect(view.topology.kind).toBe("Application");
    expect(view.topology.children[0]?.name).toBe("frontend");
    expect(view.topology.children[0]?.children.map((child) => child.kind).sort()).toEqual(["Deployment", "Service"]);
  });

  it("says the cluster does not answer once it is gone, naming the error", async () => {
    await cluster.stop();
    const down = await until(health, (value) => !value.reachable, "the unreachable health");
    expect(down.code).toBe("E_CLUSTER_UNREACHABLE");
    const apps = await request(cluster.dashboard, "/api/apps", {
      headers: { Authorization: `Bearer ${cluster.dashboard.token}` },
    });
    expect(apps.status).toBe(503);
  });

  it("recovers by itself when the cluster is back", async () => {
    await cluster.restart();
    await until(health, (value) => value.reachable, "the health to recover");
    const apps = await request(cluster.dashboard, "/api/apps", {
      headers: { Authorization: `Bearer ${cluster.dashboard.token}` },
    });
    expect(apps.status).toBe(200);
  });
});

describe.skipIf(!HAS_CHROMIUM)(
  `dashboard banner for an unreachable cluster, in Chromium ${HAS_CHROMIUM ? "" : `(skipped: ${CHROMIUM_MISSING_REASON})`}`,
  () => {
    let cluster: Awaited<ReturnType<typeof servedCluster>>;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      cluster = await servedCluster();
      ({ context, page } = await launchBrowser());
      await page.goto(cluster.dashboard.url);
      await page.getByRole("link", { name: "shop" }).waitFor({ timeout: 20_000 });
    }, 60_000);
    afterAll(async () => {
      await context?.close();
      await cluster?.close();
    });

    it("shows a banner while the cluster is gone, keeps the last list, and clears it when it is back", async () => {
      expect(await page.getByRole("alert").count()).toBe(0);
      await cluster.stop();
      const banner = page.getByRole("alert").filter({ hasText: "The cluster does not answer" });
      await banner.waitFor({ timeout: 30_000 });
      expect(await banner.innerText()).toMatch(/cannot reach|unreachable|connect/i);
      expect(await page.getByRole("link", { name: "shop" }).count()).toBe(1);
      await cluster.restart();
      await banner.waitFor({ state: "detached", timeout: 30_000 });
      expect(await page.getByRole("link", { name: "shop" }).count()).toBe(1);
    });
  },
);
