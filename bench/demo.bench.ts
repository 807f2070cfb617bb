/**
 * The canary demo (`npm run demo`, examples/canary-story.sh) end to end, timed on the wall clock:
 * with the sandbox's simulated time (the default: `--wait` skips timed pauses and grace periods)
 * and with `VELA_TS_REALTIME=1` (every wait slept on the wall clock, as before sandbox time).
 * Both runs must print the same traffic shares and pod counts at every stage. Goal: ≤ 15 s.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface DemoRun {
  readonly seconds: number;
  /** CPU seconds (user + system) of every process the demo ran: what a busy machine does not inflate. */
  readonly cpuSeconds: number;
  /** The share tables and pod counts the demo printed, in order (ages and pod names left out). */
  readonly stages: readonly string[];
}

function runDemo(env: Record<string, string>): DemoRun {
  const started = process.hrtime.bigint();
  // `times` (a bash builtin) prints the children's user and system time after the demo.
  const script = `bash ${JSON.stringify(join(ROOT, "examples/canary-story.sh"))} && times >&2`;
  const run = spawnSync("bash", ["-c", script], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`the demo failed (exit ${String(run.status)}):\n${run.stderr}`);
  const times = run.stderr.trim().split("\n").at(-1) ?? "";
  const cpuSeconds = [...times.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, match) => sum + Number(match[1]) * 60 + Number(match[2]),
    0,
  );
  const stages: string[] = [];
  let pods = 0;
  for (const line of run.stdout.split("\n")) {
    if (/^ghcr\.io\/\S+\s+\d+\s+[\d.]+%$/.test(line.trim())) stages.push(line.trim().replace(/\s+/g, " "));
    else if (/^\S+-[a-z0-9]+-[a-z0-9]+\s+\d+\/\d+\s+Running/.test(line)) pods++;
    else if (line.startsWith("$ vela-ts sandbox get pods")) pods = 0;
    else if (line.startsWith("== ") && pods > 0) {
      stages.push(`${pods} pods running`);
      pods = 0;
    }
  }
  if (pods > 0) stages.push(`${pods} pods running`);
  return { seconds, cpuSeconds, stages };
}

export function run(): Promise<void> {
  const simulated = runDemo({});
  const realtime = runDemo({ VELA_TS_REALTIME: "1" });
  const same = JSON.stringify(simulated.stages) === JSON.stringify(realtime.stages);
  process.stdout.write(
    [
      `npm run demo, sandbox time (default):   ${simulated.seconds.toFixed(1)} s wall, ${simulated.cpuSeconds.toFixed(1)} s CPU (goal ≤ 15 s)`,
      `npm run demo, VELA_TS_REALTIME=1:       ${realtime.seconds.toFixed(1)} s wall, ${realtime.cpuSeconds.toFixed(1)} s CPU`,
      `speed-up: ${(realtime.seconds / simulated.seconds).toFixed(2)}×; same shares and pods at every stage: ${same ? "yes" : "NO"}`,
      ...simulated.stages.map((stage) => `  ${stage}`),
      "",
    ].join("\n"),
  );
  if (!same)
    throw new Error(`the two runs differ:\n${simulated.stages.join("\n")}\n---\n${realtime.stages.join("\n")}`);
  return Promise.resolve();
}
