/**
 * The kill campaign: every command of the canary story (examples/canary-story.sh) is SIGKILLed at
 * seeded moments of its run, then run again until it exits 0, and the sandbox is compared with an
 * uninterrupted run after the same command: the Application's status, its revisions, the pods (by
 * version, and the stable pods by uid: never restarted), the Rollout's step, the traffic shares and
 * the objects present (a canary Deployment, Service or Ingress left over). A re-run that does not
 * reach exit 0, a stale lock, a duplicate revision or any difference is counted and listed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { routeRequests } from "../../src/cluster/sandbox/routing/index.js";
import { openSandboxStore } from "../../src/cluster/sandbox/store/durable-store.js";
import { NAME_SUFFIX_ALPHABET, seededRandom } from "../../src/cluster/sandbox/store/random.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { PROJECT_ROOT } from "./runner.js";

export interface ChaosOptions {
  readonly workDir: string;
  /** Kills over the whole story. @default 100 */
  readonly kills?: number;
  /** @default "chaos" */
  readonly seed?: string;
  /** Only these story steps (by name). @default every step */
  readonly steps?: readonly string[];
  /**
   * What is killed: the CLI running the command (`cli`), or the `vela-ts sandbox serve` process the
   * command goes through (`served`: the server is started again and the command re-run), or the
   * `vela-ts controller` reconciling the served sandbox the commands hand their work to
   * (`controller`: the controller is started again, and a command that did not exit 0 re-run; only
   * the commands that `--wait`, since the others leave their work to the controller). @default "cli"
   */
  readonly mode?: ChaosMode;
  readonly log?: (line: string) => void;
}

/** What the campaign kills. */
export type ChaosMode = "cli" | "served" | "controller";

export interface ChaosFigures {
  readonly mode: ChaosMode;
  readonly kills: number;
  /** Runs that finished before the kill came (not counted as kills). */
  readonly finishedFirst: number;
  /** Killed runs whose re-runs ended in the same state as the uninterrupted run. */
  readonly converged: number;
  readonly mismatches: number;
  readonly duplicateRevisions: number;
  readonly leftoverObjects: number;
  readonly staleLocks: number;
  /** Re-runs that never reached exit 0. */
  readonly stuck: number;
  readonly byStep: Readonly<Record<string, { kills: number; converged: number }>>;
  readonly failures: readonly string[];
}

const CHART_URL = "https://charts.example.com/demo/";

/** The commands of the story that `--wait` (a controller campaign kills the controller under these). */
const CONTROLLER_STEPS: readonly string[] = ["up v1", "up v2", "resume", "rollback"];

/** The canary story, as `examples/canary-story.sh` runs it. */
export const STORY: readonly { readonly name: string; readonly argv: readonly string[] }[] = [
  { name: "charts add", argv: ["sandbox", "charts", "add", CHART_URL, join(PROJECT_ROOT, "examples/charts/repo")] },
  { name: "up v1", argv: ["up", "-f", join(PROJECT_ROOT, "examples/apps/demo-app-v1.yaml"), "--wait"] },
  { name: "up v2", argv: ["up", "-f", join(PROJECT_ROOT, "examples/apps/demo-app-v2.yaml"), "--wait"] },
  { name: "resume", argv: ["workflow", "resume", "demo-app", "--wait"] },
  { name: "suspend", argv: ["workflow", "suspend", "demo-app"] },
  { name: "rollback", argv: ["workflow", "rollback", "demo-app", "--wait"] },
];

interface Run {
  readonly code: number;
  readonly stderr: string;
  readonly killed: boolean;
  readonly ms: number;
}

interface Started {
  readonly child: ChildProcess;
  readonly done: Promise<Run>;
  /** SIGKILLs the process if it still runs; true when it did. */
  kill(): boolean;
}

/** Starts the binary with `argv` on `dir`; a process that runs past two minutes is a failure of its own and is ended. */
function startBinary(argv: readonly string[], dir: string, sandboxFlag = true): Started {
  const started = Date.now();
  mkdirSync(dir, { recursive: true });
  const args = sandboxFlag ? [...argv, "--sandbox", dir] : argv;
  const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin/vela-ts.js"), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  let killed = false;
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const guard = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code: code ?? 137, stderr, killed, ms: Date.now() - started });
    });
  });
  return {
    child,
    done,
    kill() {
      killed = child.exitCode === null && child.signalCode === null;
      child.kill("SIGKILL");
      return killed;
    },
  };
}

/** Runs the binary on `dir`; with `killAfterMs`, SIGKILLs it then (if it still runs). */
function runStep(argv: readonly string[], dir: string, killAfterMs?: number): Promise<Run> {
  const run = startBinary(argv, dir);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => run.kill(), killAfterMs);
  return run.done.finally(() => clearTimeout(timer));
}

/** `vela-ts sandbox serve` on `dir`, once it serves (commands on `dir` then go through it). */
async function startServer(dir: string): Promise<Started> {
  const server = startBinary(["sandbox", "serve"], dir);
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    server.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("Serving sandbox")) resolve();
    });
    void server.done.then((run) => reject(new Error(`sandbox serve ended with exit ${run.code}: ${run.stderr}`)));
  });
  return server;
}

/** Stops a server as Ctrl-C does (it lets go of the sandbox) and waits until it is gone. */
async function stopServer(server: Started): Promise<void> {
  server.child.kill("SIGTERM");
  await server.done;
}

/** The controller's name in its Lease: a restarted controller takes its Lease back at once, as a restarted pod of a StatefulSet would. */
const CONTROLLER_IDENTITY = "chaos-controller";

/** `vela-ts controller -n default` on the served sandbox of `dir`, once it has started. */
async function startController(dir: string): Promise<Started> {
  const argv = [
    "controller",
    "-n",
    "default",
    "--kubeconfig",
    join(dir, "kubeconfig"),
    "--identity",
    CONTROLLER_IDENTITY,
  ];
  const controller = startBinary(argv, dir, false);
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    controller.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`vela-ts controller ${CONTROLLER_IDENTITY} on`)) resolve();
    });
    void controller.done.then((run) =>
      reject(new Error(`vela-ts controller ended with exit ${run.code}: ${run.stderr}`)),
    );
  });
  return controller;
}

/** Runs a command through a served sandbox with a controller, then stops both (the controller first). */
async function runWithController(argv: readonly string[], dir: string): Promise<Run> {
  const server = await startServer(dir);
  try {
    const controller = await startController(dir);
    try {
      return await runStep(argv, dir);
    } finally {
      await stopServer(controller);
    }
  } finally {
    await stopServer(server);
  }
}

/**
 * A command handed to a controller SIGKILLed after `killAfterMs` (if the command still runs then):
 * the controller is started again (as its Deployment would), and the command, if it did not exit 0,
 * is re-run until it does.
 */
async function runControllerKilled(argv: readonly string[], dir: string, killAfterMs: number): Promise<Run> {
  const server = await startServer(dir);
  try {
    let controller = await startController(dir);
    const command = startBinary(argv, dir);
    let killed = false;
    const timer = setTimeout(() => {
      if (command.child.exitCode === null) killed = controller.kill();
    }, killAfterMs);
    const restarted = (async (): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, killAfterMs + 50));
      if (killed) {
        await controller.done;
        controller = await startController(dir);
      }
    })();
    const run = await command.done;
    clearTimeout(timer);
    await restarted;
    await stopServer(controller);
    return { ...run, killed };
  } finally {
    await stopServer(server);
  }
}

/** Runs a command through a server started for it, then stops the server. */
async function runServed(argv: readonly string[], dir: string): Promise<Run> {
  const server = await startServer(dir);
  try {
    return await runStep(argv, dir);
  } finally {
    await stopServer(server);
  }
}

/** A command through a server SIGKILLed after `killAfterMs` (if the command still runs then). */
async function runServedKilled(argv: readonly string[], dir: string, killAfterMs: number): Promise<Run> {
  const server = await startServer(dir);
  const command = startBinary(argv, dir);
  let killed = false;
  const timer = setTimeout(() => {
    if (command.child.exitCode === null) killed = server.kill();
  }, killAfterMs);
  const run = await command.done;
  clearTimeout(timer);
  if (!killed) await stopServer(server);
  else await server.done;
  return { ...run, killed };
}

/** What is compared between runs. */
interface Fingerprint {
  readonly app: string;
  readonly revisions: readonly string[];
  readonly podsByImage: Readonly<Record<string, number>>;
  readonly podUids: ReadonlySet<string>;
  readonly rollout: string;
  readonly objects: ReadonlySet<string>;
  readonly shares: Readonly<Record<string, number>>;
}

/**
 * A name with its generated part (`generateName`'s five characters, e.g. the Kruise canary
 * Deployment `demo-app-x7k2p`) made general: runs with different histories draw different suffixes.
 */
function generalName(name: string): string {
  return name.replace(new RegExp(`-[${NAME_SUFFIX_ALPHABET}]{5}(?=-|$)`, "g"), "-*");
}

const WORKLOAD_KINDS = new Set(["Deployment", "Service", "Ingress", "Rollout", "HelmRelease", "ReplicaSet"]);

async function fingerprintOf(dir: string): Promise<Fingerprint> {
  const sandbox = await openSandboxStore({ dir, clock: new FakeClock(), lockTimeoutMs: 30_000, command: "chaos read" });
  try {
    const objects = [...sandbox.store.allObjects()];
    const of = (kind: string): KubeObject[] => objects.filter((object) => object.kind === kind);
    const app = of("Application").find((object) => object.metadata.name === "demo-app");
    const status = (app?.status ?? {}) as {
      status?: string;
      workflow?: { status?: string; suspend?: boolean; steps?: { name: string; phase: string }[] };
      latestRevision?: { name?: string };
    };
    const revisions = of("ApplicationRevision")
      .filter((object) => object.metadata.labels?.["app.oam.dev/name"] === "demo-app")
      .map(
        (object) =>
          `${object.metadata.name ?? ""}:${String((object.status as { succeeded?: boolean } | undefined)?.succeeded ?? false)}`,
      )
      .sort();
    const pods = of("Pod").filter((pod) => pod.metadata.deletionTimestamp === undefined);
    const podsByImage: Record<string, number> = {};
    for (const pod of pods) {
      const image =
        ((pod.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image ?? "?")
          .split(":")
          .at(-1) ?? "?";
      podsByImage[image] = (podsByImage[image] ?? 0) + 1;
    }
    const rollout = of("Rollout")
      .map((object) => {
        const canary =
          (object.status as
            { phase?: string; canaryStatus?: { currentStepIndex?: number; currentStepState?: string } } | undefined) ??
          {};
        const step = `${String(canary.canaryStatus?.currentStepIndex ?? "-")}:${canary.canaryStatus?.currentStepState ?? "-"}`;
        return `${object.metadata.name ?? ""}:${canary.phase ?? ""}:${step}`;
      })
      .sort()
      .join(",");
    const summary = routeRequests(sandbox.store, {
      host: "demo.example.com",
      path: "/version",
      headers: {},
      cookies: {},
      count: 1000,
      seed: 1,
      enabledAddons: sandbox.store.enabledAddons,
    });
    const shares: Record<string, number> = {};
    for (const [image, count] of Object.entries(summary.byImage))
      shares[image.split(":").at(-1) ?? image] = count / Math.max(1, summary.requests);
    return {
      app: [
        status.status ?? "-",
        `workflow=${status.workflow?.status ?? "-"}`,
        `suspend=${String(status.workflow?.suspend ?? false)}`,
        `latest=${status.latestRevision?.name ?? "-"}`,
        `steps=${(status.workflow?.steps ?? []).map((step) => `${step.name}:${step.phase}`).join(",")}`,
      ].join(" "),
      revisions,
      podsByImage,
      podUids: new Set(pods.map((pod) => pod.metadata.uid ?? "")),
      rollout,
      objects: new Set(
        objects
          .filter((object) => WORKLOAD_KINDS.has(object.kind) && object.metadata.deletionTimestamp === undefined)
          .map(
            (object) => `${object.kind}/${object.metadata.namespace ?? ""}/${generalName(object.metadata.name ?? "")}`,
          ),
      ),
      shares,
    };
  } finally {
    sandbox.close();
  }
}

/** The differences between a re-run's state and the uninterrupted run's, as lines. */
function differences(before: Fingerprint, reference: Fingerprint, actual: Fingerprint): string[] {
  const found: string[] = [];
  if (actual.app !== reference.app) found.push(`application: ${actual.app} (uninterrupted: ${reference.app})`);
  if (actual.revisions.join(" ") !== reference.revisions.join(" "))
    found.push(`revisions: ${actual.revisions.join(" ")} (uninterrupted: ${reference.revisions.join(" ")})`);
  if (JSON.stringify(actual.podsByImage) !== JSON.stringify(reference.podsByImage))
    found.push(`pods: ${JSON.stringify(actual.podsByImage)} (uninterrupted: ${JSON.stringify(reference.podsByImage)})`);
  // Pods that were there before the command and survive it uninterrupted must survive it killed too.
  const kept = [...before.podUids].filter((uid) => reference.podUids.has(uid));
  const restarted = kept.filter((uid) => !actual.podUids.has(uid));
  if (restarted.length > 0) found.push(`${restarted.length} pods that stay in an uninterrupted run were replaced`);
  if (actual.rollout !== reference.rollout)
    found.push(`rollout: ${actual.rollout} (uninterrupted: ${reference.rollout})`);
  for (const image of new Set([...Object.keys(actual.shares), ...Object.keys(reference.shares)])) {
    const delta = Math.abs((actual.shares[image] ?? 0) - (reference.shares[image] ?? 0));
    if (delta > 0.05)
      found.push(
        `traffic share of ${image}: ${(actual.shares[image] ?? 0).toFixed(2)} (uninterrupted: ${(reference.shares[image] ?? 0).toFixed(2)})`,
      );
  }
  const extra = [...actual.objects].filter((object) => !reference.objects.has(object));
  const missing = [...reference.objects].filter((object) => !actual.objects.has(object));
  if (extra.length > 0) found.push(`left over: ${extra.join(", ")}`);
  if (missing.length > 0) found.push(`missing: ${missing.join(", ")}`);
  return found;
}

/** Runs the campaign and returns its figures. */
export async function runChaosCampaign(options: ChaosOptions): Promise<ChaosFigures> {
  const random = seededRandom(options.seed ?? "chaos");
  const mode = options.mode ?? "cli";
  const served = mode !== "cli";
  const steps = options.steps ?? (mode === "controller" ? CONTROLLER_STEPS : undefined);
  const isChosen = (name: string): boolean => steps === undefined || steps.includes(name);
  const log = options.log ?? (() => undefined);
  mkdirSync(options.workDir, { recursive: true });
  const reference = join(options.workDir, "reference");
  const before: Fingerprint[] = [];
  const after: Fingerprint[] = [];
  const durations: number[] = [];
  for (const [index, step] of STORY.entries()) {
    if (existsSync(reference)) {
      cpSync(reference, join(options.workDir, `before-${index}`), { recursive: true, force: true });
      before.push(await fingerprintOf(reference));
    } else before.push(await emptyFingerprint());
    // Only the commands the campaign kills run through a server: the story before them need not wait on the wall clock.
    const throughServer = served && isChosen(step.name);
    const run = !throughServer
      ? await runStep(step.argv, reference)
      : mode === "controller"
        ? await runWithController(step.argv, reference)
        : await runServed(step.argv, reference);
    if (run.code !== 0) throw new Error(`the uninterrupted story failed at ${step.name}: ${run.stderr}`);
    durations.push(run.ms);
    after.push(await fingerprintOf(reference));
    log(`chaos: uninterrupted ${step.name}: ${run.ms} ms`);
  }
  const chosen = STORY.map((step, index) => ({ step, index })).filter(({ step }) => isChosen(step.name));
  const figures = {
    kills: 0,
    finishedFirst: 0,
    converged: 0,
    mismatches: 0,
    duplicateRevisions: 0,
    leftoverObjects: 0,
    staleLocks: 0,
    stuck: 0,
  };
  const byStep: Record<string, { kills: number; converged: number }> = {};
  const failures: string[] = [];
  const total = options.kills ?? 100;
  for (let attempt = 0; figures.kills < total && attempt < total * 3; attempt++) {
    const { step, index } = chosen[attempt % chosen.length] as (typeof chosen)[number];
    const dir = join(options.workDir, `case-${attempt}`);
    rmSync(dir, { recursive: true, force: true });
    if (existsSync(join(options.workDir, `before-${index}`)))
      cpSync(join(options.workDir, `before-${index}`), dir, { recursive: true });
    else mkdirSync(dir, { recursive: true });
    const delay = Math.floor(random() * (durations[index] ?? 1000) * 1.1);
    const killed =
      mode === "controller"
        ? await runControllerKilled(step.argv, dir, delay)
        : served
          ? await runServedKilled(step.argv, dir, delay)
          : await runStep(step.argv, dir, delay);
    if (!killed.killed) {
      figures.finishedFirst++;
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    figures.kills++;
    const counts = (byStep[step.name] ??= { kills: 0, converged: 0 });
    counts.kills++;
    // A command whose controller was killed under it may still end well (it reconciles itself once
    // the Lease lapses): a person runs it again only when it did not exit 0.
    let rerun: Run | undefined = mode === "controller" && killed.code === 0 ? killed : undefined;
    for (let tries = 0; tries < 4 && rerun?.code !== 0; tries++)
      rerun =
        mode === "controller"
          ? await runWithController(step.argv, dir)
          : served
            ? await runServed(step.argv, dir)
            : await runStep(step.argv, dir);
    const label = `${step.name} killed after ${delay} ms`;
    if (rerun?.code !== 0) {
      figures.stuck++;
      failures.push(
        `${label}: re-runs end with exit ${rerun?.code ?? "?"}: ${(rerun?.stderr ?? "").split("\n")[0] ?? ""}`,
      );
      continue;
    }
    if (existsSync(join(dir, "lock"))) {
      figures.staleLocks++;
      failures.push(`${label}: the lock is still there after the re-run`);
    }
    const actual = await fingerprintOf(dir);
    const reference = after[index] as Fingerprint;
    const found = differences(before[index] as Fingerprint, reference, actual);
    if (actual.revisions.length > reference.revisions.length) figures.duplicateRevisions++;
    if ([...actual.objects].some((object) => !reference.objects.has(object))) figures.leftoverObjects++;
    if (found.length === 0) {
      figures.converged++;
      counts.converged++;
      rmSync(dir, { recursive: true, force: true });
    } else {
      figures.mismatches++;
      failures.push(`${label} (kept in ${dir}): ${found.join("; ")}`);
    }
    if (figures.kills % 10 === 0) log(`chaos: ${figures.kills}/${total} kills, ${figures.converged} converged`);
  }
  return { mode, ...figures, byStep, failures };
}

async function emptyFingerprint(): Promise<Fingerprint> {
  return Promise.resolve({
    app: "",
    revisions: [],
    podsByImage: {},
    podUids: new Set<string>(),
    rollout: "",
    objects: new Set<string>(),
    shares: {},
  });
}

const KILLED: Readonly<Record<ChaosMode, string>> = {
  cli: "the CLI",
  served: "the sandbox serve process",
  controller: "the vela-ts controller process",
};

/** The figures as lines for a terminal. */
export function formatChaosFigures(figures: ChaosFigures): string {
  return [
    `kill campaign (${KILLED[figures.mode]} killed): ${figures.kills} kills ` +
      `(${figures.finishedFirst} runs finished before their kill came)`,
    `  converged to the uninterrupted state: ${figures.converged}/${figures.kills}`,
    `  by command: ${Object.entries(figures.byStep)
      .map(([step, counts]) => `${step} ${counts.converged}/${counts.kills}`)
      .join(", ")}`,
    `  different end states: ${figures.mismatches}`,
    `  duplicate revisions: ${figures.duplicateRevisions}`,
    `  leftover objects: ${figures.leftoverObjects}`,
    `  stale locks: ${figures.staleLocks}`,
    `  re-runs that never exit 0: ${figures.stuck}`,
    ...figures.failures.slice(0, 30).map((failure) => `  FAIL ${failure}`),
  ].join("\n");
}
