/**
 * The live side, without a browser: a page's event stream follows changes another shell makes to the
 * sandbox (its journal is the change feed), the dashboard moves a timed release on when it is due,
 * pushes nothing while nothing changes, and never keeps the sandbox's lock between reads.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDetailView, RunningDashboard, Scheduler } from "../../src/dashboard/index.js";
import { request, startStoryDashboard } from "../support/dashboard.js";
import { exampleApp, storySandbox, type StorySandbox } from "../support/story.js";

/** One server-sent event. */
interface StreamEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads a dashboard's event stream in the background; `next` waits for an event matching a test. */
function openStream(dashboard: RunningDashboard, query: string) {
  const events: StreamEvent[] = [];
  const controller = new AbortController();
  let wake: (() => void) | undefined;
  const done = (async () => {
    const response = await fetch(`${dashboard.origin}/api/events?${query}`, {
      headers: { Authorization: `Bearer ${dashboard.token}` },
      signal: controller.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as unknown });
        wake?.();
      }
    }
  })().catch(() => undefined);
  return {
    events,
    async next(test: (event: StreamEvent) => boolean, what: string, ms = 20_000): Promise<StreamEvent> {
      const deadline = Date.now() + ms;
      for (let seen = 0; ;) {
        for (; seen < events.length; seen++) if (test(events[seen]!)) return events[seen]!;
        if (Date.now() > deadline)
          throw new Error(`no event ${what} in ${ms} ms; got ${events.map((e) => e.event).join(", ")}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
    },
    async close(): Promise<void> {
      controller.abort();
      await done;
    },
  };
}

const isApp =
  (test: (view: AppDetailView) => boolean) =>
  (event: StreamEvent): boolean =>
    event.event === "app" && test(event.data as AppDetailView);

describe("dashboard live updates on the sandbox", () => {
  let story: StorySandbox;
  let dashboard: RunningDashboard;

  beforeAll(async () => {
    story = await storySandbox();
    await story.velaOk(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
    dashboard = await startStoryDashboard(story);
  }, 60_000);
  afterAll(async () => dashboard?.close());

  it("a page's stream starts with the cluster's health and the app as it is", async () => {
    const stream = openStream(dashboard, "topic=app&namespace=default&name=demo-app");
    try {
      expect((await stream.next((event) => event.event === "health", "health")).data).toMatchObject({
        reachable: true,
      });
      const first = await stream.next(
        isApp(() => true),
        "app",
      );
      expect(first.data).toMatchObject({ name: "demo-app", phase: "running", revision: { name: "demo-app-v1" } });
    } finally {
      await stream.close();
    }
  });

  it("follows a release started from another shell to its first pause, pushing only changes", async () => {
    const stream = openStream(dashboard, "topic=app&namespace=default&name=demo-app");
    try {
      await stream.next(
        isApp((view) => view.revision?.name === "demo-app-v1"),
        "v1",
      );
      // Another shell: the CLI takes the sandbox's lock while the dashboard is open.
      await story.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml")]);
      await stream.next(
        isApp((view) => view.revision?.name === "demo-app-v2"),
        "the new revision",
      );
      // Nobody runs a command: the dashboard's pacer moves the release through Kruise's grace periods.
      const paused = await stream.next(
        isApp((view) => view.canaries[0]?.step === 1 && view.canaries[0]?.state === "StepPaused"),
        "step 1 paused",
      );
      const canary = (paused.data as AppDetailView).canaries[0]!;
      expect(canary.weight).toBe(20);
      expect(canary.canaryPods).toHaveLength(1);
      expect((paused.data as AppDetailView).actions.resume).toMatchObject({ enabled: true, label: "Approve" });

      await new Promise((resolve) => setTimeout(resolve, 500));
      const count = stream.events.length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stream.events.length, "an unchanged cluster pushes nothing").toBe(count);
      expect(existsSync(join(story.dir, "lock")), "the sandbox's lock is free between reads").toBe(false);
    } finally {
      await stream.close();
    }
  });

  it("the list stream shows the release waiting for a person", async () => {
    const stream = openStream(dashboard, "topic=apps");
    try {
      const list = await stream.next((event) => event.event === "apps", "apps");
      expect(list.data).toMatchObject({
        apps: [
          {
            name: "demo-app",
            attention: "waiting-for-person",
            canaries: [{ step: 1, steps: 2, weight: 20, waitingForApproval: true }],
          },
        ],
      });
    } finally {
      await stream.close();
    }
  });

  it("streams are capped, and a page that goes away frees its place", async () => {
    const small = await startStoryDashboard(story, { maxStreams: 1 });
    try {
      const first = openStream(small, "topic=apps");
      await first.next((event) => event.event === "apps", "apps");
      const refused = await request(small, "/api/events?topic=apps", {
        headers: { Authorization: `Bearer ${small.token}` },
      });
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: "E_DASHBOARD_BUSY" } });
      await first.close();
      const deadline = Date.now() + 10_000;
      let second: ReturnType<typeof openStream> | undefined;
      while (second === undefined && Date.now() < deadline) {
        const candidate = openStream(small, "topic=apps");
        try {
          await candidate.next((event) => event.event === "apps", "apps", 1000);
          second = candidate;
        } catch {
          await candidate.close();
        }
      }
      expect(second, "a new page gets the freed place").toBeDefined();
      await second?.close();
    } finally {
      await small.close();
    }
  });

  it("an unknown app is a gone view, not an error", async () => {
    const response = await request(dashboard, "/api/apps/default/nope", {
      headers: { Authorization: `Bearer ${dashboard.token}` },
    });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toMatchObject({ name: "nope", gone: true });
  });
});

describe("dashboard pacing of a timed canary (story 3)", () => {
  let story: StorySandbox;
  let dashboard: RunningDashboard;
  /** Wake-ups the dashboard asked for; the test lets their time pass one by one. */
  const pending: { delay: number; run: () => void }[] = [];
  const schedule: Scheduler = (delay, run) => {
    const entry = { delay, run };
    pending.push(entry);
    return () => {
      const index = pending.indexOf(entry);
      if (index >= 0) pending.splice(index, 1);
    };
  };
  const letTimePass = (): number => {
    const entry = pending.shift();
    if (entry === undefined) throw new Error("the dashboard asked for no wake-up");
    story.clock.advance(entry.delay);
    entry.run();
    return entry.delay;
  };

  beforeAll(async () => {
    story = await storySandbox();
    await story.velaOk(["up", "-f", exampleApp("timed-canary-v1.yaml"), "--wait"]);
    dashboard = await startStoryDashboard(story, { schedule });
  }, 60_000);
  afterAll(async () => dashboard?.close());

  it("shows the time left of a timed pause, wakes when it ends, and moves on with no command", async () => {
    const stream = openStream(dashboard, "topic=app&namespace=default&name=timed-demo-app");
    try {
      await stream.next(
        isApp((view) => view.revision?.name === "timed-demo-app-v1"),
        "v1",
      );
      await story.velaOk(["up", "-f", exampleApp("timed-canary-v2.yaml")]);
      // Let simulated time pass whenever the dashboard asks (grace periods, pods becoming ready)
      // until the page shows the timed pause of step 1.
      const latest = (): AppDetailView | undefined =>
        stream.events
          .filter((event) => event.event === "app")
          .map((event) => event.data as AppDetailView)
          .at(-1);
      const isPaused = (view: AppDetailView | undefined): boolean =>
        view?.revision?.name === "timed-demo-app-v2" &&
        view.canaries[0]?.step === 1 &&
        view.canaries[0]?.state === "StepPaused";
      const deadline = Date.now() + 20_000;
      while (!isPaused(latest()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (!isPaused(latest()) && pending.length > 0) letTimePass();
      }
      const paused = latest();
      expect(paused, "step 1 paused").toBeDefined();
      const canary = paused!.canaries[0]!;
      expect(canary.stepList[0]).toMatchObject({ state: "current", weight: 20, pauseDuration: "30" });
      expect(canary.waitingForApproval).toBe(false);
      expect(paused!.actions.resume).toMatchObject({ enabled: true, label: "Approve" });
      expect(paused!.actions.resume.description).toContain("now, before its timed pause ends");
      const left = Date.parse(canary.resumesAt!) - Date.parse(paused!.now);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(30_000);
      // The dashboard wakes when something is due (the pause's end, a controller's own timer), never
      // by polling: a handful of wake-ups carry the release to step 2, about 30 s of time later.
      const waited: number[] = [];
      const step2 = (): boolean =>
        stream.events.some((event) => event.event === "app" && (event.data as AppDetailView).canaries[0]?.step === 2);
      const until = Date.now() + 20_000;
      while (!step2() && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (!step2() && pending.length > 0) waited.push(letTimePass());
      }
      expect(step2(), "step 2 after the pause").toBe(true);
      expect(waited.length).toBeGreaterThan(0);
      expect(waited.length).toBeLessThanOrEqual(5);
      expect(waited.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(left - 1000);
    } finally {
      await stream.close();
    }
  });
});
