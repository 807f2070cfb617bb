/**
 * Cost of one app with many components (issue: "a command's cost follows what it touches"):
 * the CPU of the first `vela-ts up --wait` of an app with C `webservice` components on an empty
 * sandbox, per component, for a small and a large C measured in one run; the figure is the ratio
 * of the large app's per-component CPU to the small one's (goal ≤ 1.5: linear).
 *
 * `VELA_TS_BENCH_COMPONENTS=60,600` changes the two counts (the first is the floor). Each count runs
 * in its own process, so one app's garbage does not bill the next.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { up } from "../src/operations/index.js";
import { FakeClock } from "../src/util/clock.js";
import { printFigure } from "./measure.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const THIS_FILE = fileURLToPath(import.meta.url);
const CHILD = "--app-scale-child";

/** An Application of `count` webservice components (each a Deployment and a Service). */
export function manyComponentsApp(count: number): string {
  const components = Array.from({ length: count }, (_, index) => ({
    name: `part-${index}`,
    type: "webservice",
    properties: { image: `ghcr.io/vela-ts/demo-app:v${index % 7}`, port: 8080 },
  }));
  return stringify({
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: "many", namespace: "default" },
    spec: { components },
  });
}

/** CPU milliseconds (user + system) of the first `up --wait` of a `count`-component app. */
async function firstUpCpuMs(count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-bench-app-scale-"));
  const clock = new FakeClock();
  const text = manyComponentsApp(count);
  const sleep = (milliseconds: number): Promise<void> => {
    clock.advance(milliseconds);
    return Promise.resolve();
  };
  try {
    const before = process.cpuUsage();
    const result = await up({
      cwd: ROOT,
      sandboxDir: join(dir, "sandbox"),
      clock,
      http: () => Promise.reject(new Error("no HTTP in benchmarks")),
      command: "bench up",
      text,
      file: "many.yaml",
      wait: true,
      sleep,
    });
    const used = process.cpuUsage(before);
    const stop = result.applications[0]?.drive.stop;
    if (stop !== "finished") throw new Error(`the ${count}-component app stopped ${String(stop)}`);
    return (used.user + used.system) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function inChild(count: number): number | undefined {
  const result = spawnSync(process.execPath, ["--import", "tsx", THIS_FILE, CHILD, String(count)], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: Number(process.env.VELA_TS_BENCH_APP_SCALE_TIMEOUT_S ?? "1200") * 1000,
  });
  const ms = Number(/cpu-ms=(\d+(?:\.\d+)?)/.exec(result.stdout ?? "")?.[1]);
  if (result.status === 0 && Number.isFinite(ms)) return ms;
  process.stdout.write(
    `app scale: ${count} components: not measured (exit ${String(result.status)}): ${(result.stderr ?? "").split("\n").slice(-4).join(" ")}\n`,
  );
  return undefined;
}

export function run(): Promise<void> {
  const [small = 60, large = 600] = (process.env.VELA_TS_BENCH_COMPONENTS ?? "60,600").split(",").map(Number);
  const one = inChild(1);
  const smallMs = inChild(small);
  const largeMs = inChild(large);
  if (one !== undefined) printFigure("app scale: first up, 1 component, CPU", one, "ms");
  if (smallMs === undefined || largeMs === undefined) return Promise.resolve();
  printFigure(`app scale: first up, ${small} components, CPU`, smallMs, "ms");
  printFigure(`app scale: first up, ${large} components, CPU`, largeMs, "ms");
  printFigure(`app scale: first up, ${small} components, CPU per component`, smallMs / small, "ms");
  printFigure(`app scale: first up, ${large} components, CPU per component`, largeMs / large, "ms");
  printFigure(
    `app scale: per-component CPU, ${large} ÷ ${small} components`,
    largeMs / large / (smallMs / small),
    "×",
    { max: 1.5 },
  );
  return Promise.resolve();
}

if (process.argv[2] === CHILD && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // A warm-up app first (module loading, definitions, JIT), so the figure is the app's own cost.
  await firstUpCpuMs(1);
  const ms = await firstUpCpuMs(Number(process.argv[3]));
  process.stdout.write(`cpu-ms=${ms.toFixed(1)}\n`);
}
