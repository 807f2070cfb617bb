/**
 * Figures of the release loop (DESIGN §9, issue 5):
 * - API writes from `workflow rollback` until 100% of routed traffic is on stable (goal ≤ 2, floor 1),
 *   and stable pods restarted by it (must be 0);
 * - steady-state reconcile of 10,000 and 100,000 unchanged apps on the sandbox (wall time, RSS);
 * - `vela-ts --version` and `vela-ts status` start-up time ÷ `node -e 0` (goal ≤ 4×).
 *
 * `VELA_TS_BENCH_APPS=1000,5000` changes the app counts of the steady-state figure; each count runs
 * in its own process (so its RSS is its own, and running out of memory or past
 * `VELA_TS_BENCH_STEADY_TIMEOUT_S`, default 1200 s, is reported instead of ending the bench run).
 * `npm run bench release` with `VELA_TS_BENCH_APPS=10000` runs that figure alone (after the rollback figure);
 * `tsx bench/release.bench.ts --steady-state-child 10000` runs the steady-state figure only.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SandboxCluster, SIMULATED_ADMISSIONS, type SandboxStore } from "../src/cluster/sandbox/index.js";
import { routeRequests } from "../src/cluster/sandbox/routing/index.js";
import { MemoryObjectStore, openSandboxStore } from "../src/cluster/sandbox/store/index.js";
import { readJournal } from "../src/cluster/sandbox/store/journal.js";
import {
  DEFAULT_ADDONS,
  reconcileApplication,
  runWorkflowCommand,
  SteadyStateMemo,
  up,
  type ReconcilerDeps,
} from "../src/operations/index.js";
import { loadClusterRegistry } from "../src/reconciler/definitions-for-app.js";
import { addSandboxChartMirror } from "../src/operations/sandbox-traffic.js";
import { createApplicationCheck } from "../src/model/index.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { FakeClock } from "../src/util/clock.js";
import { medianMs, printFigure, rssMiB } from "./measure.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "demo.example.com";
const PATH = "/version";
const STABLE_IMAGE = "ghcr.io/vela-ts/demo-app:v1";

function noHttp(): Promise<never> {
  return Promise.reject(new Error("no HTTP in benchmarks"));
}

function targetOf(
  dir: string,
  clock: FakeClock,
  command: string,
): { cwd: string; sandboxDir: string; clock: FakeClock; http: typeof noHttp; command: string } {
  return { cwd: ROOT, sandboxDir: dir, clock, http: noHttp, command };
}

const sleepOn =
  (clock: FakeClock) =>
  (milliseconds: number): Promise<void> => {
    clock.advance(milliseconds);
    return Promise.resolve();
  };

// ---------------------------------------------------------------------------------------------
// rollback writes

function isAllStable(view: Pick<MemoryObjectStore, "get" | "list">): boolean {
  const summary = routeRequests(view, { host: HOST, path: PATH, headers: {}, cookies: {}, count: 1000, seed: 1 });
  return summary.requests === 1000 && summary.byImage[STABLE_IMAGE] === 1000;
}

function stablePodUids(objects: Iterable<KubeObject>): Set<string> {
  const uids = new Set<string>();
  for (const object of objects) {
    const image = (object.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image;
    if (object.kind === "Pod" && image === STABLE_IMAGE && object.metadata.deletionTimestamp === undefined)
      uids.add(object.metadata.uid ?? "");
  }
  return uids;
}

/**
 * Story 1 to step 2 (90% on the canary), `workflow suspend`, then `workflow rollback --wait`. The
 * rollback's writes are read back from the sandbox journal (one record per API write, controllers'
 * writes included) and replayed one by one onto the state before it, routing 1,000 requests after
 * each: the figure is the number of writes until every request is answered by the stable pods.
 */
async function rollbackWrites(): Promise<string> {
  const clock = new FakeClock();
  const dir = join(mkdtempSync(join(tmpdir(), "vela-ts-bench-rollback-")), "sandbox");
  addSandboxChartMirror({
    dir,
    url: "https://charts.example.com/demo/",
    source: join(ROOT, "examples", "charts", "repo"),
    cwd: ROOT,
  });
  const sleep = sleepOn(clock);
  for (const file of ["demo-app-v1.yaml", "demo-app-v2.yaml"]) {
    const path = join(ROOT, "examples", "apps", file);
    await up({ ...targetOf(dir, clock, "bench up"), text: readFileSync(path, "utf8"), file: path, wait: true, sleep });
  }
  await runWorkflowCommand({
    ...targetOf(dir, clock, "bench resume"),
    operation: "resume",
    app: "demo-app",
    namespace: "default",
    wait: true,
    sleep,
  });
  await runWorkflowCommand({
    ...targetOf(dir, clock, "bench suspend"),
    operation: "suspend",
    app: "demo-app",
    namespace: "default",
    wait: false,
    sleep,
  });

  // Fold the journal into the snapshot, so the journal afterwards holds exactly the rollback's writes.
  const store = await openSandboxStore({ dir, clock, admissions: SIMULATED_ADMISSIONS });
  store.compact();
  const before = [...store.store.allObjects()];
  const beforeVersion = Number(store.store.resourceVersion);
  const seed = store.metadata.seed;
  store.close();

  await runWorkflowCommand({
    ...targetOf(dir, clock, "bench rollback"),
    operation: "rollback",
    app: "demo-app",
    namespace: "default",
    wait: true,
    sleep,
  });
  const records = readJournal(join(dir, "journal.log")).records.filter(
    (record) => record.resourceVersion > beforeVersion,
  );
  if (records[0]?.resourceVersion !== beforeVersion + 1) {
    process.stdout.write(
      `rollback writes: not measured (the rollback's journal was compacted away; ${records.length} records left)\n`,
    );
    return dir;
  }
  const replay = new MemoryObjectStore({ clock, seed, restored: { objects: before, resourceVersion: beforeVersion } });
  const stableBefore = stablePodUids(before);
  if (isAllStable(replay)) throw new Error("bench set-up: traffic was already all on stable before the rollback");
  let writesUntilStable: number | undefined;
  records.forEach((record, index) => {
    replay.applyRecord(record);
    if (writesUntilStable === undefined && isAllStable(replay)) writesUntilStable = index + 1;
  });
  const stableAfter = stablePodUids(replay.allObjects());
  const restarted = [...stableBefore].filter((uid) => !stableAfter.has(uid)).length;
  printFigure(
    "rollback: API writes until 100% of routed traffic is on stable",
    writesUntilStable ?? Number.NaN,
    "writes",
    { max: 2 },
  );
  printFigure(
    "rollback: API writes in all (Application, revisions, Rollout cancel, canary clean-up)",
    records.length,
    "writes",
  );
  printFigure("rollback: stable pods restarted", restarted, "pods", { max: 0 });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// steady-state reconcile

/**
 * The sandbox's {@link SandboxCluster} over an in-memory store (no journal): the steady state
 * writes nothing, so the disk would only slow the set-up of 100,000 apps, not the figure.
 */
function memorySandboxCluster(clock: FakeClock): { cluster: SandboxCluster; store: MemoryObjectStore } {
  const store = new MemoryObjectStore({
    clock,
    seed: "bench",
    admissions: SIMULATED_ADMISSIONS,
    enabledAddons: new Set(DEFAULT_ADDONS),
  });
  const standIn = {
    store,
    metadata: { seed: "bench" },
    dir: "(memory)",
    close: () => undefined,
    setEnabledAddons: () => undefined,
    reset: () => store.clear(),
    holdsLock: true,
    resumePoint: undefined,
    recordQueuesFrom: () => undefined,
  };
  return { cluster: new SandboxCluster(standIn as unknown as SandboxStore, clock), store };
}

function smallApp(index: number): KubeObject {
  const name = `app-${index}`;
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default" },
    spec: {
      components: [
        {
          name,
          type: "k8s-objects",
          properties: {
            objects: [
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: `${name}-config` },
                data: { greeting: `hello from ${name}` },
              },
            ],
          },
        },
      ],
    },
  };
}

/**
 * With `VELA_TS_BENCH_SETUP_PROFILE=file.cpuprofile`, the set-up (first deploys) is CPU-profiled
 * in-process, so the profile holds neither the module loading nor the creation of the Applications.
 */
async function startCpuProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (file === undefined || file === "") return () => Promise.resolve();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function steadyState(count: number): Promise<void> {
  const clock = new FakeClock();
  const { cluster, store } = memorySandboxCluster(clock);
  const { registry } = loadClusterRegistry({ definitionDirs: [], cwd: ROOT, enabledAddons: [...DEFAULT_ADDONS] });
  // The controller's steady-state memo: a pass of an app found as its last full pass left it is skipped.
  const deps: ReconcilerDeps = {
    cluster,
    clock,
    registry,
    http: noHttp,
    applicationCheck: createApplicationCheck(),
    steadyState: new SteadyStateMemo({ view: store }),
  };
  for (let index = 0; index < count; index++) store.create(smallApp(index));
  const stopProfile = await startCpuProfile(process.env.VELA_TS_BENCH_SETUP_PROFILE);
  const setupStart = performance.now();
  const setupCpu = process.cpuUsage();
  const heapLimit = getHeapStatistics().heap_size_limit;
  const heapAtStart = process.memoryUsage().heapUsed;
  // heapUsed also counts garbage not collected yet, so one reading overstates what an app keeps:
  // the smallest per-app reading so far is the closest bound, and it is trusted after a fifth of the apps.
  let leanestPerApp = Number.POSITIVE_INFINITY;
  for (let index = 0; index < count; index++) {
    // Two passes: the first records the revision and applies; the second sees it healthy and finishes.
    await reconcileApplication(`app-${index}`, "default", deps);
    await reconcileApplication(`app-${index}`, "default", deps);
    // Stop early, with the projection, when all the apps cannot fit in node's heap.
    if (index > 0 && index % 5000 === 0) {
      leanestPerApp = Math.min(leanestPerApp, (process.memoryUsage().heapUsed - heapAtStart) / index);
      const projected = heapAtStart + leanestPerApp * count;
      if (index < count / 5) continue;
      if (projected > heapLimit * 0.9) {
        process.stdout.write(
          `steady state: ${count} apps: not measured, the store would need ~${(projected / 2 ** 30).toFixed(1)} GiB of heap ` +
            `(${(leanestPerApp / 1024).toFixed(0)} KiB per app after ${index} apps) ` +
            `and node's heap limit is ${(heapLimit / 2 ** 30).toFixed(1)} GiB\n`,
        );
        return;
      }
    }
  }
  const setupMs = performance.now() - setupStart;
  const setupCpuUsed = process.cpuUsage(setupCpu);
  await stopProfile();
  const setupCpuMs = (setupCpuUsed.user + setupCpuUsed.system) / 1000;
  const writesBefore = store.writeCount;
  const start = performance.now();
  let wrote = 0;
  let fullPasses = 0;
  for (let index = 0; index < count; index++) {
    const outcome = await reconcileApplication(`app-${index}`, "default", deps);
    if (outcome.wrote) wrote++;
    if (outcome.skipped !== true) fullPasses++;
  }
  await cluster.settle();
  const ms = performance.now() - start;
  printFigure(
    `steady state: ${count} unchanged apps reconciled`,
    ms / 1000,
    "s",
    count === 100_000 ? { max: 30 } : undefined,
  );
  printFigure(`steady state: ${count} apps, per app`, (ms * 1000) / count, "µs");
  printFigure(
    `steady state: ${count} apps, writes made (must be 0)`,
    store.writeCount - writesBefore + wrote,
    "writes",
    { max: 0 },
  );
  printFigure(`steady state: ${count} apps, full passes (the rest were found unchanged)`, fullPasses, "passes");
  printFigure(`steady state: ${count} apps, RSS`, rssMiB(), "MiB");
  // The highest RSS of the whole run (set-up included): what the machine must have.
  printFigure(
    `steady state: ${count} apps, peak RSS`,
    process.resourceUsage().maxRSS / 1024,
    "MiB",
    count === 100_000 ? { max: 1536 } : undefined,
  );
  printFigure(`steady state: ${count} apps, set-up (first reconcile of each)`, setupMs / 1000, "s");
  // First deploy: the two passes of each app's set-up, in CPU (not wall) time, so a busy machine does not count.
  printFigure(`steady state: ${count} apps, first deploy CPU per app`, setupCpuMs / count, "ms", { max: 2 });
}

// ---------------------------------------------------------------------------------------------
// start-up

function timeCommand(args: readonly string[], cwd: string): () => void {
  return () => {
    try {
      execFileSync(process.execPath, [...args], { cwd, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    } catch {
      // A failing command still started up; the start-up is what is timed.
    }
  };
}

/** `dir`: a sandbox holding demo-app, for `vela-ts status demo-app`. */
async function startUp(dir: string): Promise<void> {
  const bin = join(ROOT, "bin", "vela-ts.js");
  if (!existsSync(join(ROOT, "dist", "bundle", "bin.js"))) {
    process.stdout.write("start-up: not measured (run npm run build first)\n");
    return;
  }
  const floor = await medianMs(timeCommand(["-e", "0"], ROOT), 15, 2);
  const version = await medianMs(timeCommand([bin, "--version"], ROOT), 15, 2);
  const hasStatus = readdirSync(join(ROOT, "dist", "cli", "commands")).includes("status.js");
  printFigure("start-up: node -e 0", floor, "ms");
  printFigure("start-up: vela-ts --version ÷ node -e 0", version / floor, "×", { max: 4 });
  if (hasStatus) {
    const status = await medianMs(timeCommand([bin, "status", "demo-app", "--sandbox", dir], ROOT), 15, 2);
    printFigure("start-up: vela-ts status ÷ node -e 0", status / floor, "×", { max: 4 });
    // Without the sandbox's fixed-point record (docs/sandbox.md): status runs a full reconcile pass.
    const withPass = await medianMs(
      () => {
        rmSync(join(dir, "fixed-point.json"), { force: true });
        timeCommand([bin, "status", "demo-app", "--sandbox", dir], ROOT)();
      },
      9,
      1,
    );
    printFigure(
      "start-up: vela-ts status with a reconcile pass (no fixed-point record) ÷ node -e 0",
      withPass / floor,
      "×",
    );
  } else {
    process.stdout.write("start-up: vela-ts status not measured (no status command in this build)\n");
  }
}

const STEADY_CHILD = "--steady-state-child";
const THIS_FILE = fileURLToPath(import.meta.url);

/** Runs {@link steadyState} for `count` apps in a child process and relays its figures. */
function steadyStateInChild(count: number): void {
  const timeoutS = Number(process.env.VELA_TS_BENCH_STEADY_TIMEOUT_S ?? "1200");
  const result = spawnSync(process.execPath, ["--import", "tsx", THIS_FILE, STEADY_CHILD, String(count)], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: timeoutS * 1000,
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(result.stdout ?? "");
  if (result.status === 0) return;
  const why =
    result.error !== undefined && (result.error as NodeJS.ErrnoException).code === "ETIMEDOUT"
      ? `did not finish within ${timeoutS} s (VELA_TS_BENCH_STEADY_TIMEOUT_S)`
      : /heap out of memory|Allocation failed/.test(result.stderr ?? "")
        ? "ran out of memory (node's default heap limit)"
        : `failed (exit ${String(result.status)}, signal ${String(result.signal)}): ${(result.stderr ?? "").split("\n").slice(-5).join(" ")}`;
  process.stdout.write(`steady state: ${count} apps: not measured, ${why}\n`);
}

export async function run(): Promise<void> {
  const dir = await rollbackWrites();
  const counts = (process.env.VELA_TS_BENCH_APPS ?? "10000,100000")
    .split(",")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  for (const count of counts) steadyStateInChild(count);
  await startUp(dir);
}

if (process.argv[2] === STEADY_CHILD && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await steadyState(Number(process.argv[3]));
}
