/**
 * Story 4 (Istio canary, KubeVela v1.1 style) on the sandbox: from the state where `rollout-v2`
 * waits at its manual approval (first batch rolled, 25% of the mesh traffic on reviews-v2), the
 * `canary-rollback` app of `examples/istio/` is applied. Every store write is watched and, after
 * each one, 400 seeded mesh requests to `reviews` are routed: the figure is the number of API writes
 * (and the wall time) until every request lands on the source revision. The floor is 1 write (the
 * VirtualService); the step's own writes are counted separately from the `up` bookkeeping before it
 * (Application, ApplicationRevision, ResourceTracker, status).
 */
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { routeRequests } from "../src/cluster/sandbox/routing/index.js";
import { parseApplications } from "../src/model/index.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { driveApplication, openTarget, up, type TargetOptions } from "../src/operations/index.js";
import type { JsonObject } from "../src/util/index.js";
import { FakeClock } from "../src/util/clock.js";
import { medianMs, printFigure } from "./measure.js";

const EXAMPLES = join(import.meta.dirname, "..", "examples", "istio");
const SOURCE_IMAGE = "ghcr.io/vela-ts/reviews:v1";
const REPEATS = 7;

function sleeper(clock: FakeClock): (milliseconds: number) => Promise<void> {
  return (milliseconds) => {
    clock.advance(milliseconds);
    return Promise.resolve();
  };
}

/** Target options of the bench's commands (no webhooks are called). */
function targetOptions(cwd: string, clock: FakeClock, command: string): TargetOptions {
  return { cwd, clock, command, http: () => Promise.reject(new Error("the istio bench sends no HTTP requests")) };
}

async function upFile(cwd: string, clock: FakeClock, file: string): Promise<void> {
  const path = join(EXAMPLES, file);
  await up({
    ...targetOptions(cwd, clock, "up"),
    text: readFileSync(path, "utf8"),
    file: path,
    wait: true,
    sleep: sleeper(clock),
  });
}

/** What one rollback run measured. */
interface RollbackRun {
  /** Writes from the Application update until 100% of the requests reach the source revision. */
  readonly writesFromUp: number;
  /** Writes from the step's first object write until then. */
  readonly writesFromStep: number;
  readonly msToTraffic: number;
  readonly msToDone: number;
  readonly totalWrites: number;
}

function isStepWrite(object: KubeObject): boolean {
  return (
    object.metadata.labels?.["app.oam.dev/component"] === "reviews" ||
    object.metadata.name?.startsWith("reviews") === true
  );
}

async function rollbackOnce(suspended: string, clock: FakeClock): Promise<RollbackRun> {
  const cwd = mkdtempSync(join(tmpdir(), "vela-ts-istio-bench-"));
  cpSync(join(suspended, ".vela-ts"), join(cwd, ".vela-ts"), { recursive: true });
  const file = join(EXAMPLES, "rollback.yaml");
  const [parsed] = parseApplications(readFileSync(file, "utf8"), file);
  if (parsed === undefined) throw new Error("examples/istio/rollback.yaml holds no Application");
  const target = await openTarget(targetOptions(cwd, clock, "up"));
  const store = target.sandbox?.store;
  if (store === undefined) throw new Error("the bench needs the sandbox");
  let writes = 0;
  let stepStart: number | undefined;
  let reached: { writes: number; ms: number } | undefined;
  const start = performance.now();
  const unsubscribe = store.subscribe((changes) => {
    writes++;
    if (
      stepStart === undefined &&
      changes.some(
        (change) =>
          change.object.kind !== "Application" &&
          change.object.kind !== "ApplicationRevision" &&
          change.object.kind !== "ResourceTracker" &&
          isStepWrite(change.object),
      )
    )
      stepStart = writes;
    if (reached !== undefined) return;
    const summary = routeRequests(store, {
      host: "reviews",
      path: "/",
      headers: {},
      cookies: {},
      service: "reviews",
      count: 400,
      seed: 3,
    });
    if (summary.byImage[SOURCE_IMAGE] === 400) reached = { writes, ms: performance.now() - start };
  });
  try {
    const existing = await target.cluster.get({
      apiVersion: "core.oam.dev/v1beta1",
      kind: "Application",
      name: "shop",
      namespace: "default",
    });
    if (existing === undefined) throw new Error("the suspended sandbox has no Application shop");
    await target.cluster.update({ ...existing, spec: parsed.application.spec as unknown as JsonObject });
    const drive = await driveApplication("shop", "default", target.deps, target.driver, {
      wait: true,
      sleep: sleeper(clock),
    });
    if (drive.stop !== "finished") throw new Error(`the rollback stopped: ${drive.stop}`);
  } finally {
    unsubscribe();
    target.close();
  }
  if (reached === undefined) throw new Error("the traffic never reached the source revision");
  return {
    writesFromUp: reached.writes,
    writesFromStep: reached.writes - (stepStart ?? reached.writes) + 1,
    msToTraffic: reached.ms,
    msToDone: performance.now() - start,
    totalWrites: writes,
  };
}

export async function run(): Promise<void> {
  const clock = new FakeClock();
  const suspended = mkdtempSync(join(tmpdir(), "vela-ts-istio-bench-base-"));
  await upFile(suspended, clock, "first-deploy.yaml");
  await upFile(suspended, clock, "rollout-v2.yaml");

  const runs: RollbackRun[] = [];
  const ms = await medianMs(async () => runs.push(await rollbackOnce(suspended, clock)), REPEATS, 1);
  const median = (pick: (run: RollbackRun) => number): number => {
    const values = runs.map(pick).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)] ?? 0;
  };
  printFigure(
    "canary-rollback: API writes from the step's first write until 100% of the traffic is on the source revision",
    median((r) => r.writesFromStep),
    "writes",
    { max: 1 },
  );
  printFigure(
    "  writes from `up` (Application update, revision, tracker, status) until then",
    median((r) => r.writesFromUp),
    "writes",
  );
  printFigure(
    "  writes until every replica is back on the source revision",
    median((r) => r.totalWrites),
    "writes",
  );
  printFigure(
    "canary-rollback: wall time until 100% of the traffic is on the source revision (median)",
    median((r) => r.msToTraffic),
    "ms",
  );
  printFigure("canary-rollback: wall time until the rollback finished (median of whole runs)", ms, "ms");
}
