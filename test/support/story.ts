/**
 * Helpers of the end-to-end release stories (DESIGN §1): a temporary sandbox driven through the CLI
 * (`main()` in-process with a fake clock), the example chart mirror, routed-request shares, pod
 * snapshots and the binomial interval the traffic shares are checked against.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { openCommandSandbox } from "../../src/target/addon-objects.js";
import type { KubeObject, ObjectRef } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "./cli.js";
import { PROJECT_ROOT } from "./shared.js";

/** The example chart repository and the URL the example apps name. */
export const EXAMPLE_CHART_REPO = join(PROJECT_ROOT, "examples", "charts", "repo");
export const EXAMPLE_CHART_URL = "https://charts.example.com/demo/";

/** The first lines of an Application manifest named `name`, up to `  components:` (YAML lines). */
export function applicationHead(name: string): string[] {
  return [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  components:",
  ];
}

/** An example Application file (`examples/apps/<name>`). */
export function exampleApp(name: string): string {
  return join(PROJECT_ROOT, "examples", "apps", name);
}

/** Who answered a batch of routed requests: counts per image tag. */
export interface RequestShares {
  readonly requests: number;
  /** Requests answered per image (`ghcr.io/vela-ts/demo-app:v2` → 1987). */
  readonly byImage: Readonly<Record<string, number>>;
  /** Requests answered per HTTP status (`200`, `503`, …). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Requests answered per pod name. */
  readonly byPod: Readonly<Record<string, number>>;
  /** Requests answered by an image whose tag is `tag` (`v2`). */
  count(tag: string): number;
}

/** Options of {@link StorySandbox.requestShares}. */
export interface RequestSharesOptions {
  readonly host: string;
  readonly path: string;
  /** `Name: value` headers. @default none */
  readonly headers?: readonly string[];
  /** @default 10000 */
  readonly count?: number;
  /** @default "1" */
  readonly seed?: string;
}

/** One pod as the stories look at it. */
export interface PodSnapshot {
  readonly name: string;
  readonly uid: string;
  readonly image: string;
  /** `Ready` condition is True and the pod is not being deleted. */
  readonly ready: boolean;
}

/** A temporary sandbox, its working directory and the fake clock every command of the story shares. */
export interface StorySandbox {
  /** Working directory of the commands. */
  readonly cwd: string;
  /** The sandbox directory (`--sandbox`). */
  readonly dir: string;
  readonly clock: FakeClock;
  /** Runs `vela-ts <argv> --sandbox DIR` in-process on the story's clock. */
  vela(argv: readonly string[], options?: { readonly stdin?: string }): Promise<CliRun>;
  /** Like {@link vela}, but fails the test (showing stdout and stderr) unless the exit code is `code`. */
  velaOk(argv: readonly string[], code?: number): Promise<CliRun>;
  /** `vela-ts sandbox request -o json` through the Ingress rules, summarised. */
  requestShares(options: RequestSharesOptions): Promise<RequestShares>;
  /** Objects of one kind, read straight from the sandbox store (read-only, controllers not run). */
  list(apiVersion: string, kind: string, namespace?: string): Promise<KubeObject[]>;
  /** One object, or undefined. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** The pods of a namespace (not being deleted), sorted by name. */
  pods(namespace?: string): Promise<PodSnapshot[]>;
  /** The store's resourceVersion, for "nothing was written" checks. */
  resourceVersion(): Promise<string>;
  /** A copy of this sandbox (same objects, a clock at the same time) to follow another branch of a story. */
  fork(): StorySandbox;
}

function imageTag(image: string): string {
  const colon = image.lastIndexOf(":");
  return colon < 0 || image.slice(colon).includes("/") ? "latest" : image.slice(colon + 1);
}

function podSnapshot(pod: KubeObject): PodSnapshot {
  const spec = pod.spec as { containers?: { image?: string }[] } | undefined;
  const status = pod.status as { conditions?: { type?: string; status?: string }[] } | undefined;
  return {
    name: pod.metadata.name ?? "",
    uid: pod.metadata.uid ?? "",
    image: spec?.containers?.[0]?.image ?? "",
    ready: (status?.conditions ?? []).some((condition) => condition.type === "Ready" && condition.status === "True"),
  };
}

/** A {@link StorySandbox} over an existing sandbox directory (e.g. one the built binary works on). */
export function storyAt(cwd: string, dir: string, clock: FakeClock): StorySandbox {
  const read = async <T>(
    fn: (sandbox: Awaited<ReturnType<typeof openCommandSandbox>>) => Promise<T> | T,
  ): Promise<T> => {
    // Opened as every command opens it (a new sandbox first gets its addons' Definition objects).
    const sandbox = await openCommandSandbox({ dir, clock, command: "story test read" });
    try {
      return await fn(sandbox);
    } finally {
      sandbox.close();
    }
  };
  const story: StorySandbox = {
    cwd,
    dir,
    clock,
    vela: (argv, options = {}) =>
      runCli([...argv, "--sandbox", dir], {
        cwd,
        clock,
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      }),
    async velaOk(argv, code = 0) {
      const run = await story.vela(argv);
      expect(run.code, `vela-ts ${argv.join(" ")}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`).toBe(code);
      return run;
    },
    async requestShares(options) {
      const headers = (options.headers ?? []).flatMap((header) => ["-H", header]);
      const argv = [
        "sandbox",
        "request",
        "--host",
        options.host,
        "--path",
        options.path,
        ...headers,
        "--count",
        String(options.count ?? 10_000),
        "--seed",
        options.seed ?? "1",
        "-o",
        "json",
      ];
      const run = await story.velaOk(argv);
      const summary = JSON.parse(run.stdout) as {
        requests: number;
        byImage: Record<string, number>;
        byStatus: Record<string, number>;
        byPod: Record<string, number>;
      };
      return {
        ...summary,
        count: (tag) =>
          Object.entries(summary.byImage).reduce(
            (sum, [image, count]) => sum + (imageTag(image) === tag ? count : 0),
            0,
          ),
      };
    },
    list: (apiVersion, kind, namespace = "default") => read((sandbox) => sandbox.list(apiVersion, kind, { namespace })),
    get: (ref) => read((sandbox) => sandbox.get(ref)),
    async pods(namespace = "default") {
      const pods = await story.list("v1", "Pod", namespace);
      return pods
        .filter((pod) => pod.metadata.deletionTimestamp === undefined)
        .map(podSnapshot)
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    resourceVersion: () => read((sandbox) => sandbox.resourceVersion),
    fork() {
      const copy = join(tempDir("vela-ts-story-fork-"), "sandbox");
      cpSync(dir, copy, { recursive: true });
      return storyAt(cwd, copy, new FakeClock(clock.now()));
    },
  };
  return story;
}

/**
 * A fresh sandbox in a temp directory (`<tmp>/sandbox`), on a fake clock at 2026-01-01T00:00:00Z,
 * with the example chart repository mirrored at {@link EXAMPLE_CHART_URL} unless `charts: false`.
 */
export async function storySandbox(options: { readonly charts?: boolean } = {}): Promise<StorySandbox> {
  const cwd = tempDir("vela-ts-story-");
  const dir = join(cwd, "sandbox");
  mkdirSync(dir, { recursive: true });
  const story = storyAt(cwd, dir, new FakeClock());
  if (options.charts !== false) await story.velaOk(["sandbox", "charts", "add", EXAMPLE_CHART_URL, EXAMPLE_CHART_REPO]);
  return story;
}

/** Pods grouped by image tag (`{ v1: [...], v2: [...] }`). */
export function podsByTag(pods: readonly PodSnapshot[]): Record<string, PodSnapshot[]> {
  const groups: Record<string, PodSnapshot[]> = {};
  for (const pod of pods) (groups[imageTag(pod.image)] ??= []).push(pod);
  return groups;
}

/** z of a two-sided interval: 99.9% → 3.2905. */
function zOfConfidence(confidence: number): number {
  // Acklam's rational approximation of the normal quantile, accurate to ~1e-9 — ample for a bound.
  const p = 1 - (1 - confidence) / 2;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p > 0.97575) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * The central `confidence` interval of the count of successes of Binomial(n, p), by the normal
 * approximation with continuity correction (n·p·(1−p) is in the thousands for the story's 10,000
 * requests, where the approximation is tight). A routed share outside it means the router does not
 * send `p` of the traffic there — with only a 1 in 1,000 chance of a false alarm per check.
 */
export function binomialInterval(
  n: number,
  p: number,
  confidence = 0.999,
): { readonly low: number; readonly high: number } {
  const z = zOfConfidence(confidence);
  const sd = Math.sqrt(n * p * (1 - p));
  return { low: Math.max(0, Math.floor(n * p - z * sd - 0.5)), high: Math.min(n, Math.ceil(n * p + z * sd + 0.5)) };
}

/** Asserts `count` of `n` requests is inside the 99.9% binomial interval of share `p`. */
export function expectShare(count: number, n: number, p: number, label: string): void {
  const { low, high } = binomialInterval(n, p);
  expect(
    count,
    `${label}: ${count} of ${n} requests, expected ${low}..${high} (${(p * 100).toFixed(0)}% ± 99.9% binomial interval)`,
  ).toBeGreaterThanOrEqual(low);
  expect(
    count,
    `${label}: ${count} of ${n} requests, expected ${low}..${high} (${(p * 100).toFixed(0)}% ± 99.9% binomial interval)`,
  ).toBeLessThanOrEqual(high);
}

/** The Application object's status, typed loosely for assertions. */
export interface ApplicationStatusView {
  readonly status?: string;
  readonly latestRevision?: { readonly name?: string; readonly revision?: number; readonly revisionHash?: string };
  readonly workflow?: {
    readonly status?: string;
    readonly suspend?: boolean;
    readonly terminated?: boolean;
    readonly finished?: boolean;
    readonly appRevision?: string;
    readonly message?: string;
    readonly steps?: readonly {
      readonly name: string;
      readonly type: string;
      readonly phase: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
  };
  readonly rollback?: { readonly from?: string | null; readonly to?: string; readonly time?: string };
  readonly services?: readonly { readonly name?: string; readonly healthy?: boolean }[];
}

export const APPLICATION_API = "core.oam.dev/v1beta1";

/** Reads an Application and its status. */
export async function readApplication(
  story: StorySandbox,
  name: string,
  namespace = "default",
): Promise<{ readonly object: KubeObject; readonly status: ApplicationStatusView } | undefined> {
  const object = await story.get({ apiVersion: APPLICATION_API, kind: "Application", name, namespace });
  return object === undefined ? undefined : { object, status: (object.status ?? {}) as ApplicationStatusView };
}

/** The app's ApplicationRevisions, sorted by revision number. */
export async function readRevisions(story: StorySandbox, app: string, namespace = "default"): Promise<KubeObject[]> {
  const all = await story.list(APPLICATION_API, "ApplicationRevision", namespace);
  const number = (object: KubeObject): number => Number(/-v(\d+)$/.exec(object.metadata.name ?? "")?.[1] ?? "0");
  return all
    .filter((object) => object.metadata.labels?.["app.oam.dev/name"] === app)
    .sort((a, b) => number(a) - number(b));
}

/** The built CLI (`npm run build` first; `npm test` does). */
export const VELA_BIN = join(PROJECT_ROOT, "bin", "vela-ts.js");

/** A `vela-ts` child process and its captured output. */
export interface VelaProcess {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process ends: exit code (or 128 + signal number) and all its output. */
  readonly done: Promise<CliRun & { readonly signal: NodeJS.Signals | null }>;
}

/** Starts `node bin/vela-ts.js <argv>` as a child process (real clock, real sleeps). */
export function spawnVela(
  argv: readonly string[],
  options: { readonly cwd: string; readonly env?: Record<string, string> },
): VelaProcess {
  const child = spawn(process.execPath, [VELA_BIN, ...argv], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? options.cwd, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const done = new Promise<CliRun & { readonly signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? 128, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs `node bin/vela-ts.js <argv>` to the end. */
export async function runVela(
  argv: readonly string[],
  options: { readonly cwd: string; readonly env?: Record<string, string> },
): Promise<CliRun> {
  return spawnVela(argv, options).done;
}

/** Resolves once `predicate` holds for the process's stderr (checked as output arrives), or rejects when it ends first. */
export function whenStderr(process_: VelaProcess, predicate: (stderr: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate(process_.stderr())) return resolve();
    const onData = (): void => {
      if (predicate(process_.stderr())) {
        process_.child.stderr?.off("data", onData);
        resolve();
      }
    };
    process_.child.stderr?.on("data", onData);
    void process_.done.then((run) =>
      reject(new Error(`vela-ts ended (code ${run.code}) before the expected output:\n${run.stderr}`)),
    );
  });
}
