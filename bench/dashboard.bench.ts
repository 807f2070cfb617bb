/**
 * The dashboard's figures: how long a Rollout step change in the cluster takes to show on an open
 * page (goal ≤ 1 s; measured in headless Chromium when `/usr/bin/chromium` exists, else on the
 * page's event stream), the page's weight (goal ≤ 300 KB gzipped), and the server's memory and
 * time with 1,000 applications listed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { main } from "../src/cli/main.js";
import type { CliContext } from "../src/cli/context.js";
import { openCommandSandbox } from "../src/target/addon-objects.js";
import { runWorkflowCommand, type TargetOptions } from "../src/operations/index.js";
import { startDashboard, type RunningDashboard } from "../src/dashboard/index.js";
import { FakeClock, SystemClock, type Clock } from "../src/util/clock.js";
import { printFigure, rssMiB } from "./measure.js";

const ROOT = join(import.meta.dirname, "..");
const CHROMIUM = "/usr/bin/chromium";
const APP_COUNT = 1000;

function bundleDir(): string {
  const out = mkdtempSync(join(tmpdir(), "vela-ts-bench-web-"));
  execFileSync(process.execPath, [join(ROOT, "scripts", "bundle-dashboard.mjs"), out]);
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

async function vela(argv: readonly string[], cwd: string, clock: Clock): Promise<void> {
  let stderr = "";
  const ctx: CliContext = {
    cwd,
    env: {},
    readStdin: () => Promise.resolve(""),
    stdout: { write: () => undefined },
    stderr: { write: (text) => void (stderr += text) },
    clock,
    sleep: (ms) => {
      if (clock instanceof FakeClock) clock.advance(ms);
      return Promise.resolve();
    },
  };
  const code = await main(argv, ctx);
  if (code !== 0) throw new Error(`vela-ts ${argv.join(" ")} exited ${code}: ${stderr}`);
}

function targetOf(cwd: string, dir: string, clock: Clock): TargetOptions {
  return {
    cwd,
    sandboxDir: dir,
    clock,
    command: "bench",
    http: () => Promise.reject(new Error("no HTTP in the bench")),
  };
}

/** Real time going on from a fake clock's moment (the sandbox was made on it, in simulated time). */
class ContinuingClock implements Clock {
  private readonly offset: number;
  constructor(from: FakeClock) {
    this.offset = from.now().getTime() - Date.now();
  }
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
}

/** A sandbox with the demo app waiting at step 1/2 (made on a fake clock, so in a moment). */
async function sandboxAtStep1(): Promise<{ cwd: string; dir: string; clock: Clock }> {
  const cwd = mkdtempSync(join(tmpdir(), "vela-ts-bench-dashboard-"));
  const dir = join(cwd, "sandbox");
  mkdirSync(dir);
  const clock = new FakeClock();
  const sandbox = ["--sandbox", dir];
  await vela(
    [
      "sandbox",
      "charts",
      "add",
      "https://charts.example.com/demo/",
      join(ROOT, "examples", "charts", "repo"),
      ...sandbox,
    ],
    cwd,
    clock,
  );
  await vela(["up", "-f", join(ROOT, "examples", "apps", "demo-app-v1.yaml"), "--wait", ...sandbox], cwd, clock);
  await vela(["up", "-f", join(ROOT, "examples", "apps", "demo-app-v2.yaml"), "--wait", ...sandbox], cwd, clock);
  return { cwd, dir, clock: new ContinuingClock(clock) };
}

/**
 * Another shell approves step 1 (`workflow resume`, in this process): milliseconds until the page
 * shows step 2/2, counted from the command's start (its own work included) and from its end (when
 * the new step is in the sandbox and the sandbox is free to read).
 */
async function stepChangeLatency(bundle: string): Promise<{ fromStart: number; fromEnd: number; via: string }> {
  const { cwd, dir, clock } = await sandboxAtStep1();
  const dashboard = await startDashboard({
    target: targetOf(cwd, dir, clock),
    clock,
    version: "bench",
    bundleDir: bundle,
  });
  try {
    const shows = existsSync(CHROMIUM) ? await browserWatcher(dashboard) : await streamWatcher(dashboard);
    await shows.ready;
    const started = performance.now();
    await runWorkflowCommand({
      ...targetOf(cwd, dir, clock),
      operation: "resume",
      app: "demo-app",
      namespace: "default",
      wait: false,
      sleep: () => Promise.resolve(),
    });
    const ended = performance.now();
    await shows.step2;
    const shown = performance.now();
    await shows.close();
    return {
      fromStart: shown - started,
      fromEnd: shown - ended,
      via: existsSync(CHROMIUM) ? "Chromium page" : "event stream",
    };
  } finally {
    await dashboard.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}

interface Watcher {
  readonly ready: Promise<void>;
  readonly step2: Promise<void>;
  close(): Promise<void>;
}

async function browserWatcher(dashboard: RunningDashboard): Promise<Watcher> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "vela-ts-bench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${dashboard.url}#/apps/default/demo-app`);
  const step = page.locator(".canary-facts dd").first();
  const ready = step.filter({ hasText: "1/2" }).waitFor({ timeout: 30_000 });
  return {
    ready,
    step2: ready.then(() => step.filter({ hasText: "2/2" }).waitFor({ timeout: 30_000, state: "attached" })),
    close: () => context.close(),
  };
}

async function streamWatcher(dashboard: RunningDashboard): Promise<Watcher> {
  const controller = new AbortController();
  const response = await fetch(`${dashboard.origin}/api/events?topic=app&namespace=default&name=demo-app`, {
    headers: { Authorization: `Bearer ${dashboard.token}` },
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let markReady: () => void = () => undefined;
  let markStep2: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const step2 = new Promise<void>((resolve) => (markStep2 = resolve));
  void (async () => {
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (const match of buffer.matchAll(/"step":(\d)/g)) (match[1] === "2" ? markStep2 : markReady)();
      buffer = buffer.slice(-64);
    }
  })().catch(() => undefined);
  return { ready, step2, close: () => Promise.resolve(controller.abort()) };
}

/** A sandbox holding `count` Applications with the status a running release leaves. */
async function sandboxWithApps(count: number): Promise<{ cwd: string; dir: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "vela-ts-bench-dashboard-apps-"));
  const dir = join(cwd, "sandbox");
  const clock = new FakeClock();
  const sandbox = await openCommandSandbox({ dir, clock, command: "bench" });
  try {
    for (let index = 0; index < count; index++) {
      const name = `app-${String(index).padStart(4, "0")}`;
      const app = await sandbox.create({
        apiVersion: "core.oam.dev/v1beta1",
        kind: "Application",
        metadata: { name, namespace: `team-${index % 20}` },
        spec: { components: [{ name, type: "webservice", properties: { image: "nginx:1.27" } }] },
      });
      await sandbox.updateStatus({
        ...app,
        status: {
          status: "running",
          latestRevision: { name: `${name}-v1`, revision: 1, revisionHash: "0123456789abcdef" },
          services: [{ name, namespace: app.metadata.namespace ?? "default", healthy: true, traits: [] }],
          workflow: {
            appRevision: `${name}-v1`,
            mode: "StepByStep-DAG",
            status: "succeeded",
            suspend: false,
            terminated: false,
            finished: true,
            startTime: "2026-01-01T00:00:00Z",
            endTime: "2026-01-01T00:00:05Z",
            steps: [{ id: "a1", name, type: "apply-component", phase: "succeeded" }],
          },
        },
      });
    }
  } finally {
    sandbox.close();
  }
  return { cwd, dir };
}

async function listedApps(bundle: string): Promise<{ heapMiB: number; rssMiB: number; listMs: number; bytes: number }> {
  const { cwd, dir } = await sandboxWithApps(APP_COUNT);
  const clock = new SystemClock();
  const heapBefore = process.memoryUsage().heapUsed;
  const dashboard = await startDashboard({
    target: targetOf(cwd, dir, clock),
    clock,
    version: "bench",
    bundleDir: bundle,
  });
  try {
    const headers = { Authorization: `Bearer ${dashboard.token}` };
    await fetch(`${dashboard.origin}/api/apps`, { headers }).then((response) => response.text());
    const started = performance.now();
    const body = await fetch(`${dashboard.origin}/api/apps`, { headers }).then((response) => response.text());
    const listMs = performance.now() - started;
    const rows = (JSON.parse(body) as { apps: unknown[] }).apps.length;
    if (rows !== APP_COUNT) throw new Error(`listed ${rows} apps, expected ${APP_COUNT}`);
    // A page holding the list open: its stream keeps the last view in the server.
    const controller = new AbortController();
    const stream = await fetch(`${dashboard.origin}/api/events?topic=apps`, { headers, signal: controller.signal });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let seen = 0;
    while (seen < body.length) {
      const chunk: Uint8Array | undefined = (await reader.read()).value;
      if (chunk === undefined) break;
      seen += chunk.length;
    }
    const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / (1024 * 1024);
    const rss = rssMiB();
    controller.abort();
    return { heapMiB, rssMiB: rss, listMs, bytes: Buffer.byteLength(body) };
  } finally {
    await dashboard.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const bundle = bundleDir();
  const files = filesUnder(bundle);
  const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
  const raw = files.reduce((sum, file) => sum + statSync(file).size, 0);
  printFigure("dashboard page weight (index.html + script + styles, gzipped)", Math.round(gzipped / 1024), "KB", {
    max: 300,
  });
  printFigure("dashboard page weight uncompressed", Math.round(raw / 1024), "KB");

  const fromStart: number[] = [];
  const fromEnd: number[] = [];
  let via = "";
  for (let run = 0; run < 5; run++) {
    const sample = await stepChangeLatency(bundle);
    fromStart.push(sample.fromStart);
    fromEnd.push(sample.fromEnd);
    via = sample.via;
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  printFigure(
    `Rollout step change → shown on the page (${via}, median of 5, from the change written)`,
    Math.round(median(fromEnd)),
    "ms",
    { max: 1000 },
  );
  printFigure(
    "Rollout step change → shown on the page (worst of 5, from the change written)",
    Math.round(Math.max(...fromEnd)),
    "ms",
    { max: 1000 },
  );
  printFigure(
    "Rollout step change → shown on the page (median of 5, from the approving command's start)",
    Math.round(median(fromStart)),
    "ms",
  );

  const listed = await listedApps(bundle);
  printFigure(`dashboard list of ${APP_COUNT} apps (GET /api/apps, warm)`, Math.round(listed.listMs), "ms");
  printFigure(`dashboard list of ${APP_COUNT} apps: JSON size`, Math.round(listed.bytes / 1024), "KB");
  printFigure(
    `dashboard server heap growth with ${APP_COUNT} apps listed and streamed`,
    Number(listed.heapMiB.toFixed(1)),
    "MiB",
  );
  printFigure(
    `bench process RSS with the dashboard and ${APP_COUNT} apps listed and streamed`,
    Number(listed.rssMiB.toFixed(1)),
    "MiB",
  );
  rmSync(bundle, { recursive: true, force: true });
}
