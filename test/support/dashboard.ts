/**
 * Helpers of the dashboard tests: the page built from `web/dashboard` into a temporary folder (so
 * the tests always see the current sources), a dashboard started in-process on a story sandbox with
 * a fake clock that its pacer moves, and Debian's headless Chromium driven by playwright-core (the
 * browser tests skip with a message where `/usr/bin/chromium` is missing).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { TargetOptions } from "../../src/operations/index.js";
import {
  startDashboard,
  type DashboardOptions,
  type RunningDashboard,
  type Scheduler,
} from "../../src/dashboard/index.js";
import type { FakeClock } from "../../src/util/clock.js";
import { PROJECT_ROOT } from "./shared.js";
import type { StorySandbox } from "./story.js";

/** The system Chromium the browser tests drive. */
export const CHROMIUM = process.env.VELA_TS_CHROMIUM ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const CHROMIUM_MISSING_REASON =
  `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does) ` +
  "to run the dashboard's browser tests";

/** Flags for a quiet, offline, throw-away headless Chromium. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let bundle: string | undefined;

/** Builds the page once per test file (esbuild, a fraction of a second) and returns its folder. */
export function buildDashboardBundle(): string {
  if (bundle !== undefined) return bundle;
  const out = mkdtempSync(join(tmpdir(), "vela-ts-dashboard-web-"));
  execFileSync(process.execPath, [join(PROJECT_ROOT, "scripts", "bundle-dashboard.mjs"), out], { stdio: "pipe" });
  bundle = out;
  return out;
}

/**
 * A scheduler on the story's fake clock: the pacer's waits (grace periods, timed pauses) pass at once
 * in simulated time, after a real tick so pages and the test keep up.
 */
export function fakeScheduler(clock: FakeClock): Scheduler {
  return (delayMs, run) => {
    const timer = setTimeout(() => {
      clock.advance(delayMs);
      run();
    }, 5);
    return () => clearTimeout(timer);
  };
}

/** Target options of the story's sandbox, as the CLI would build them for `--sandbox DIR`. */
export function storyTarget(story: StorySandbox): TargetOptions {
  return {
    cwd: story.cwd,
    sandboxDir: story.dir,
    clock: story.clock,
    command: "vela-ts dashboard (test)",
    http: () => Promise.reject(new Error("no HTTP in dashboard tests")),
  };
}

/** Starts a dashboard on the story's sandbox, its fake clock and a freshly built page. */
export function startStoryDashboard(
  story: StorySandbox,
  options: Partial<DashboardOptions> = {},
): Promise<RunningDashboard> {
  return startDashboard({
    target: storyTarget(story),
    clock: story.clock,
    version: "test",
    bundleDir: buildDashboardBundle(),
    schedule: fakeScheduler(story.clock),
    ...options,
  });
}

/** A headless Chromium with a fresh profile (`--user-data-dir`), a 1280×800 window and no network beyond loopback. */
export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page }> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "vela-ts-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** A GET/POST against a dashboard with Node's fetch (no cookies unless given). */
export async function request(
  dashboard: Pick<RunningDashboard, "origin">,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${dashboard.origin}${path}`, { redirect: "manual", ...init });
  return { status: response.status, text: await response.text(), headers: response.headers };
}
