/**
 * Sandbox store figures with 100,000 objects: durable writes/s (one fsync each, and grouped as the
 * runner does per pass), reads/s (get, and a label-selector list), open time and RSS.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { openSandboxStore } from "../src/cluster/sandbox/store/durable-store.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { FakeClock } from "../src/util/clock.js";
import { printFigure, rssMiB } from "./measure.js";

const OBJECTS = 100_000;
const APPS = 10_000;

function deployment(index: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: `app-${index}`,
      namespace: `ns-${index % 20}`,
      labels: { "app.oam.dev/name": `app-${index % APPS}`, tier: index % 2 === 0 ? "front" : "back" },
    },
    spec: {
      replicas: 1 + (index % 5),
      selector: { matchLabels: { app: `app-${index}` } },
      template: {
        metadata: { labels: { app: `app-${index}` } },
        spec: {
          containers: [
            { name: "app", image: `registry.example.com/app:${index % 7}`, ports: [{ containerPort: 8080 }] },
          ],
        },
      },
    },
  };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-store-bench-"));
  const clock = new FakeClock();
  try {
    const sandbox = await openSandboxStore({ dir, clock });
    let start = performance.now();
    for (let batch = 0; batch < OBJECTS; batch += 1000) {
      sandbox.store.batch(() => {
        for (let index = batch; index < batch + 1000; index++) sandbox.store.apply(deployment(index));
      });
    }
    let elapsed = performance.now() - start;
    printFigure(
      "grouped writes (server-side apply, 1,000 per fsync, incl. compactions)",
      Math.round(OBJECTS / (elapsed / 1000)),
      "writes/s",
    );

    const single = 200;
    start = performance.now();
    for (let index = 0; index < single; index++) {
      sandbox.store.patch(
        { apiVersion: "apps/v1", kind: "Deployment", name: `app-${index}`, namespace: `ns-${index % 20}` },
        { type: "merge", patch: { spec: { replicas: 9 } } },
      );
    }
    elapsed = performance.now() - start;
    printFigure(
      `durable writes at ${OBJECTS} objects (merge patch, one fsync each)`,
      Math.round(single / (elapsed / 1000)),
      "writes/s",
    );

    const gets = 100_000;
    start = performance.now();
    let found = 0;
    for (let index = 0; index < gets; index++) {
      const target = (index * 7919) % OBJECTS;
      if (
        sandbox.store.get({
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: `app-${target}`,
          namespace: `ns-${target % 20}`,
        }) !== undefined
      )
        found++;
    }
    elapsed = performance.now() - start;
    if (found !== gets) throw new Error(`bench: ${gets - found} gets missed`);
    printFigure("get", Math.round(gets / (elapsed / 1000)), "reads/s");

    const lists = 20_000;
    start = performance.now();
    let listed = 0;
    for (let index = 0; index < lists; index++)
      listed += sandbox.store.list("apps/v1", "Deployment", {
        labelSelector: `app.oam.dev/name=app-${index % APPS},tier in (front,back)`,
      }).length;
    elapsed = performance.now() - start;
    if (listed !== lists * (OBJECTS / APPS)) throw new Error(`bench: label lists returned ${listed} objects`);
    printFigure(
      `list by label selector (${OBJECTS / APPS} of ${OBJECTS} match)`,
      Math.round(lists / (elapsed / 1000)),
      "lists/s",
    );

    start = performance.now();
    const all = sandbox.store.list("apps/v1", "Deployment", { namespace: "ns-3" }).length;
    elapsed = performance.now() - start;
    printFigure(`list one namespace (${all} objects, first call sorts)`, elapsed, "ms");

    printFigure(`RSS with ${OBJECTS} objects`, Math.round(rssMiB()), "MiB");
    sandbox.close();

    // Open in a fresh process, as the next CLI command would.
    const opened = JSON.parse(
      execFileSync(
        process.execPath,
        ["--import", "tsx", join(dirname(fileURLToPath(import.meta.url)), "store-open.ts"), dir],
        { encoding: "utf8" },
      ),
    ) as { ms: number; firstReadMs: number; objects: number; rssMiB: number };
    if (opened.objects !== OBJECTS) throw new Error(`bench: reopened ${opened.objects} objects`);
    printFigure(
      `open in a fresh process (lock, snapshot + journal replay, ${OBJECTS} objects)`,
      Math.round(opened.ms),
      "ms",
    );
    printFigure(
      `then a get and a list of one namespace's Deployments (${OBJECTS / 20} objects)`,
      Math.round(opened.firstReadMs),
      "ms",
    );
    printFigure("RSS of that process after open", Math.round(opened.rssMiB), "MiB");
  } finally {
    if (process.env["KEEP_BENCH_DIR"] === undefined) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`kept ${dir}\n`);
  }
}
