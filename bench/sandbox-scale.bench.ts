/**
 * Sandbox scale figures (a command's cost follows what it touches, not what the sandbox holds):
 * - `up` of one new small app, `status` of one app, `workflow resume` of one app (approving its gate), as CLI
 *   processes on a sandbox holding `VELA_TS_BENCH_SANDBOX_APPS` (default 10,000) apps ÷ the same on a
 *   sandbox holding 6 apps (goal ≤ 1.5×), with each command's peak RSS;
 * - `VELA_TS_BENCH_SEQUENTIAL_UPS` (default 1,000; 0 skips) sequential CLI `up`s of new apps: ms/app of
 *   the last quarter ÷ the first quarter (linear: goal ≤ 1.5×).
 *
 * The big sandbox is built quickly: one real `up` of a webservice app, then its objects copied into
 * one namespace per app (fresh uids, the namespace renamed everywhere it appears) and written as
 * the sandbox's snapshot, which is the state those `up`s would have left.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { openSandboxStore } from "../src/cluster/sandbox/store/durable-store.js";
import { SANDBOX_FILES } from "../src/cluster/sandbox/store/load.js";
import { writeSnapshot } from "../src/cluster/sandbox/store/indexed-snapshot.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { FakeClock } from "../src/util/clock.js";
import { printFigure } from "./measure.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "vela-ts.js");
const TEMPLATE_NAMESPACE = "default";

/** A webservice app; with `gated`, its workflow waits for approval after deploying. */
function appYaml(name: string, gated = false): string {
  const workflow = [
    "  workflow:",
    "    steps:",
    "      - name: deploy",
    "        type: apply-component",
    "        properties:",
    `          component: ${name}`,
    "      - name: approve",
    "        type: suspend",
  ];
  return [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  components:",
    `    - name: ${name}`,
    "      type: webservice",
    "      properties:",
    "        image: nginx:1.25",
    "        ports:",
    "          - port: 80",
    "            expose: true",
    ...(gated ? workflow : []),
    "",
  ].join("\n");
}

interface CommandRun {
  readonly ms: number;
  /** User + system CPU time of the process (NaN without /usr/bin/time): honest on a busy machine. */
  readonly cpuMs: number;
  readonly rssMiB: number;
}

/** Runs the CLI once; returns wall time, and CPU time and peak RSS (from /usr/bin/time when present). */
function cli(args: readonly string[], cwd: string): CommandRun {
  const timeBin = "/usr/bin/time";
  const useTime = existsSync(timeBin);
  const start = performance.now();
  const result = useTime
    ? spawnSync(timeBin, ["-f", "RSSKB=%M CPU=%U+%S", process.execPath, BIN, ...args], { cwd, encoding: "utf8" })
    : spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  const ms = performance.now() - start;
  if (result.status !== 0)
    throw new Error(`vela-ts ${args.join(" ")} failed (exit ${String(result.status)}): ${result.stderr}`);
  const rss = /RSSKB=(\d+)/.exec(result.stderr ?? "");
  const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(result.stderr ?? "");
  return {
    ms,
    cpuMs: cpu === null ? Number.NaN : (Number(cpu[1]) + Number(cpu[2])) * 1000,
    rssMiB: rss === null ? Number.NaN : Number(rss[1]) / 1024,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Deep copy of `object` with every string equal to `from` (or ending in `-from`) renamed. */
function renamed(value: unknown, from: string, to: string, uids: Map<string, string>): unknown {
  if (typeof value === "string") {
    if (value === from) return to;
    if (value.endsWith(`-${from}`)) return `${value.slice(0, -from.length)}${to}`;
    return uids.get(value) ?? value;
  }
  if (Array.isArray(value)) return value.map((item) => renamed(item, from, to, uids));
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = renamed(item, from, to, uids);
    return copy;
  }
  return value;
}

/**
 * A sandbox in `dir` holding `apps` copies of the webservice app `web` (one per namespace
 * `ns-<i>`, plus the template in `default`), as sequential `up`s would leave it.
 */
async function buildSandbox(dir: string, work: string, apps: number): Promise<void> {
  writeFileSync(join(work, "web.yaml"), appYaml("web", true));
  cli(["up", "-f", join(work, "web.yaml"), "--sandbox", dir], work);
  const sandbox = await openSandboxStore({ dir, clock: new FakeClock() });
  const all = [...sandbox.store.allObjects()];
  const version = Number(sandbox.store.resourceVersion);
  sandbox.close();
  const perApp = all.filter(
    (object) =>
      object.metadata.namespace === TEMPLATE_NAMESPACE ||
      (object.kind === "ResourceTracker" && object.metadata.name?.endsWith(`-${TEMPLATE_NAMESPACE}`) === true),
  );
  const objects: KubeObject[] = [...all];
  for (let index = 1; index < apps; index++) {
    const uids = new Map(perApp.map((object) => [object.metadata.uid ?? "", randomUUID()]));
    for (const object of perApp) objects.push(renamed(object, TEMPLATE_NAMESPACE, `ns-${index}`, uids) as KubeObject);
  }
  writeSnapshot(join(dir, SANDBOX_FILES.snapshot), version, objects);
  rmSync(join(dir, SANDBOX_FILES.journal), { force: true });
}

/**
 * Median over `runs` of the commands touching one app: `up` of a new app, then `status` and
 * `workflow resume` (approving its gate) of the copy in namespace `ns-<first + run>`.
 */
function measureCommands(dir: string, work: string, first: number, runs: number): Record<string, CommandRun> {
  const samples: Record<string, CommandRun[]> = { up: [], status: [], "workflow resume": [] };
  for (let run = 0; run < runs; run++) {
    const name = `new-${run}`;
    const namespace = `ns-${first + run}`;
    writeFileSync(join(work, `${name}.yaml`), appYaml(name));
    samples.up?.push(cli(["up", "-f", join(work, `${name}.yaml`), "--sandbox", dir], work));
    samples.status?.push(cli(["status", "web", "-n", namespace, "--sandbox", dir], work));
    samples["workflow resume"]?.push(cli(["workflow", "resume", "web", "-n", namespace, "--sandbox", dir], work));
  }
  const result: Record<string, CommandRun> = {};
  for (const [command, runsOf] of Object.entries(samples))
    result[command] = {
      ms: median(runsOf.map((r) => r.ms)),
      cpuMs: median(runsOf.map((r) => r.cpuMs)),
      rssMiB: median(runsOf.map((r) => r.rssMiB)),
    };
  return result;
}

async function perCommand(work: string, apps: number): Promise<void> {
  const small = join(work, "small");
  const big = join(work, "big");
  const runs = 5;
  await buildSandbox(small, work, runs + 1);
  const start = performance.now();
  await buildSandbox(big, work, apps);
  printFigure(`sandbox-scale: building the ${apps}-app sandbox`, (performance.now() - start) / 1000, "s");
  const empty = measureCommands(small, work, 1, runs);
  const full = measureCommands(big, work, Math.floor(apps / 2), runs);
  for (const command of Object.keys(empty)) {
    const a = empty[command];
    const b = full[command];
    if (a === undefined || b === undefined) continue;
    const of = (r: CommandRun): string => `ms wall (CPU ${r.cpuMs.toFixed(0)} ms, RSS ${r.rssMiB.toFixed(0)} MiB)`;
    printFigure(`sandbox-scale: ${command} on ${runs + 1} apps`, a.ms, of(a));
    printFigure(`sandbox-scale: ${command} on ${apps} apps`, b.ms, of(b));
    printFigure(`sandbox-scale: ${command}, ${apps} apps ÷ ${runs + 1} apps (wall)`, b.ms / a.ms, "×", { max: 1.5 });
    if (!Number.isNaN(a.cpuMs))
      printFigure(`sandbox-scale: ${command}, ${apps} apps ÷ ${runs + 1} apps (CPU)`, b.cpuMs / a.cpuMs, "×", {
        max: 1.5,
      });
  }
}

function sequentialUps(work: string, count: number): void {
  const dir = join(work, "sequential");
  mkdirSync(dir, { recursive: true });
  const runs: CommandRun[] = [];
  for (let index = 0; index < count; index++) {
    const file = join(work, "seq.yaml");
    writeFileSync(file, appYaml(`seq-${index}`));
    runs.push(cli(["up", "-f", file, "--sandbox", dir], work));
  }
  const quarter = Math.max(1, Math.floor(count / 4));
  const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  for (const [what, of] of [
    ["wall", (run: CommandRun) => run.ms],
    ["CPU", (run: CommandRun) => run.cpuMs],
  ] as const) {
    const first = mean(runs.slice(0, quarter).map(of));
    const last = mean(runs.slice(-quarter).map(of));
    if (Number.isNaN(first)) continue;
    printFigure(`sandbox-scale: ${count} sequential ups, first quarter (${what})`, first, "ms/app");
    printFigure(`sandbox-scale: ${count} sequential ups, last quarter (${what})`, last, "ms/app");
    printFigure(`sandbox-scale: ${count} sequential ups, last ÷ first quarter (${what})`, last / first, "×", {
      max: 1.5,
    });
  }
}

export async function run(): Promise<void> {
  if (!existsSync(join(ROOT, "dist", "bundle", "bin.js"))) {
    process.stdout.write("sandbox-scale: not measured (run npm run build first)\n");
    return;
  }
  const apps = Number(process.env.VELA_TS_BENCH_SANDBOX_APPS ?? 10_000);
  const ups = Number(process.env.VELA_TS_BENCH_SEQUENTIAL_UPS ?? 1000);
  const work = mkdtempSync(join(tmpdir(), "vela-ts-sandbox-scale-"));
  try {
    if (apps > 0) await perCommand(work, apps);
    if (ups > 0) sequentialUps(work, ups);
  } finally {
    if (process.env.VELA_TS_BENCH_KEEP === undefined) rmSync(work, { recursive: true, force: true });
    else process.stdout.write(`sandbox-scale: kept ${work}\n`);
  }
}
