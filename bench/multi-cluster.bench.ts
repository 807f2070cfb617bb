/**
 * Multi-cluster delivery on the sandbox: `up --wait` of one app whose topology places it on every
 * joined member (`clusterLabelSelector`), as a CLI process, on a hub with 10 members ÷ the same with
 * 1 member (goal ≤ 3×; the process start is in both), and what each added member costs: wall time,
 * the `up` process's peak RSS, and the disk of its member sandbox once the app runs there (every
 * member is checked to run the Deployment). Each figure is the median of `VELA_TS_BENCH_MC_RUNS`
 * (default 3) fresh hubs; `VELA_TS_BENCH_MC_MEMBERS` (default 10) sets the larger count.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { printFigure } from "./measure.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "vela-ts.js");

const APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: fleet
spec:
  components:
    - name: web
      type: webservice
      properties:
        image: nginx:1.25
        ports:
          - port: 80
            expose: true
      traits:
        - type: scaler
          properties:
            replicas: 2
  policies:
    - name: everywhere
      type: topology
      properties:
        clusterLabelSelector:
          fleet: bench
        namespace: fleet
`;

interface CommandRun {
  readonly ms: number;
  readonly rssMiB: number;
}

/** Runs the CLI once; returns wall time and peak RSS (from /usr/bin/time when present). */
function cli(args: readonly string[], cwd: string): CommandRun {
  const timeBin = "/usr/bin/time";
  const useTime = existsSync(timeBin);
  const start = performance.now();
  const result = useTime
    ? spawnSync(timeBin, ["-f", "RSSKB=%M", process.execPath, BIN, ...args], { cwd, encoding: "utf8" })
    : spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  const ms = performance.now() - start;
  if (result.status !== 0)
    throw new Error(`vela-ts ${args.join(" ")} failed (exit ${String(result.status)}): ${result.stderr}`);
  const rss = /RSSKB=(\d+)/.exec(result.stderr);
  return { ms, rssMiB: rss === null ? Number.NaN : Number(rss[1]) / 1024 };
}

function bytesUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + bytesUnder(join(path, entry)), 0);
}

interface FleetRun {
  readonly up: CommandRun;
  /** Mean size of a member sandbox directory after the deploy, in KiB. */
  readonly memberKiB: number;
}

/** A fresh hub with `members` joined members, then one `up --wait` of the app placed on all of them. */
function deployToFleet(members: number): FleetRun {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-bench-mc-"));
  try {
    const sandbox = join(dir, "hub");
    const names = Array.from({ length: members }, (_, index) => `member-${String(index + 1)}`);
    for (const name of names) cli(["cluster", "join", name, "--labels", "fleet=bench", "--sandbox", sandbox], dir);
    writeFileSync(join(dir, "app.yaml"), APP);
    const up = cli(["up", "-f", "app.yaml", "--wait", "--sandbox", sandbox], dir);
    for (const name of names) {
      const listed = spawnSync(
        process.execPath,
        [BIN, "sandbox", "get", "deployments", "-n", "fleet", "-o", "name", "--sandbox", `${sandbox}.members/${name}`],
        { cwd: dir, encoding: "utf8" },
      );
      if (listed.stdout.trim() !== "deployment.apps/web")
        throw new Error(`member ${name} does not run the app: ${listed.stdout}${listed.stderr}`);
    }
    const memberBytes = names.map((name) => bytesUnder(`${sandbox}.members/${name}`));
    return { up, memberKiB: memberBytes.reduce((sum, bytes) => sum + bytes, 0) / members / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function positiveInt(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export function run(): Promise<void> {
  const runs = positiveInt(process.env.VELA_TS_BENCH_MC_RUNS, 3);
  const many = positiveInt(process.env.VELA_TS_BENCH_MC_MEMBERS, 10);
  const one: FleetRun[] = [];
  const fleet: FleetRun[] = [];
  for (let index = 0; index < runs; index++) {
    one.push(deployToFleet(1));
    fleet.push(deployToFleet(many));
  }
  const oneMs = median(one.map((entry) => entry.up.ms));
  const fleetMs = median(fleet.map((entry) => entry.up.ms));
  printFigure("multi-cluster up --wait, 1 member", oneMs, "ms");
  printFigure(`multi-cluster up --wait, ${String(many)} members`, fleetMs, "ms");
  printFigure(`multi-cluster ${String(many)} members ÷ 1 member (wall time)`, fleetMs / oneMs, "×", { max: 3 });
  if (many > 1) printFigure("multi-cluster up wall time per added member", (fleetMs - oneMs) / (many - 1), "ms");
  const oneRss = median(one.map((entry) => entry.up.rssMiB));
  const fleetRss = median(fleet.map((entry) => entry.up.rssMiB));
  printFigure("multi-cluster up peak RSS, 1 member", oneRss, "MiB");
  printFigure(`multi-cluster up peak RSS, ${String(many)} members`, fleetRss, "MiB");
  if (many > 1) printFigure("multi-cluster peak RSS per added member", (fleetRss - oneRss) / (many - 1), "MiB");
  printFigure("multi-cluster disk per member sandbox", median(fleet.map((entry) => entry.memberKiB)), "KiB");
  return Promise.resolve();
}
