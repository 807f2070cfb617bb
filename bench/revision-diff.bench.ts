/**
 * `revision get <app> N --diff M` on a large release: the unified diff of two 6,000-line stored
 * Applications (many components, a few changed images and replicas, one component added and one
 * removed) — wall time (median of 5) and the memory the diff takes (peak RSS growth over the
 * process before it, measured in a child process per run so earlier benches do not blur it).
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { unifiedDiff } from "../src/revision/index.js";
import { printFigure } from "./measure.js";

const LINES = 6000;

/** A stored Application as YAML, ~`lines` long: 20-line components; `variant` changes a few of them. */
export function revisionText(lines: number, variant: 0 | 1): string {
  const out: string[] = ["apiVersion: core.oam.dev/v1beta1", "kind: Application", "spec:", "  components:"];
  for (let index = 0; out.length < lines; index++) {
    if (variant === 1 && index === 7) continue; // removed in the newer revision
    const image = variant === 1 && index % 37 === 0 ? "v2" : "v1";
    const replicas = variant === 1 && index % 53 === 0 ? 5 : 3;
    out.push(
      `    - name: service-${index}`,
      "      type: webservice",
      "      properties:",
      `        image: ghcr.io/example/service-${index}:${image}`,
      `        replicas: ${replicas}`,
      "        ports:",
      "          - port: 8080",
      "            expose: true",
      "        env:",
      "          - name: LOG_LEVEL",
      "            value: info",
      "          - name: REGION",
      "            value: eu-west-1",
      "      traits:",
      "        - type: scaler",
      "          properties:",
      `            replicas: ${replicas}`,
      "        - type: labels",
      "          properties:",
      `            team: team-${index % 9}`,
    );
  }
  if (variant === 1)
    out.push("    - name: added", "      type: worker", "      properties:", "        image: added:v1");
  return `${out.join("\n")}\n`;
}

/** One diff in this process: prints its wall time and the RSS growth it caused. */
export function measureOnce(): { readonly ms: number; readonly mib: number } {
  const before = revisionText(LINES, 0);
  const after = revisionText(LINES, 1);
  global.gc?.();
  const rss = process.memoryUsage().rss;
  let peak = rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const start = performance.now();
  const diff = unifiedDiff(before, after, { before: "a", after: "b" });
  const ms = performance.now() - start;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!diff.includes("+        image: ghcr.io/example/service-0:v2")) throw new Error("the diff misses a change");
  return { ms, mib: (peak - rss) / (1024 * 1024) };
}

export async function run(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const samples: { ms: number; mib: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const output = execFileSync(
      process.execPath,
      [
        "--expose-gc",
        "--import",
        "tsx",
        "-e",
        `import(${JSON.stringify(join(here, "revision-diff.bench.ts"))}).then((m) => console.log(JSON.stringify(m.measureOnce())))`,
      ],
      { encoding: "utf8", cwd: join(here, "..") },
    );
    samples.push(JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { ms: number; mib: number });
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const lines = revisionText(LINES, 0).split("\n").length - 1;
  printFigure(
    `revision diff: ${lines}-line revisions, wall time (median of 5)`,
    Number(median(samples.map((s) => s.ms)).toFixed(1)),
    "ms",
  );
  printFigure(
    `revision diff: ${lines}-line revisions, RSS growth (median of 5)`,
    Number(median(samples.map((s) => s.mib)).toFixed(1)),
    "MiB",
  );
  await Promise.resolve();
}
