/**
 * Every stage of a reconcile pass leaves a KubeVela condition on the Application and records
 * core/v1 Events about it (de-duplicated like client-go's recorder); `vela-ts status` shows both.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  eventsAbout,
  LABEL_EVENT_INVOLVED_UID,
  MAX_EVENTS_PER_OBJECT,
  recordedEventsAbout,
  recordEvent,
  recordEvents,
} from "../../src/cluster/events.js";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { conditionsOf, setCondition, errorCondition, readyCondition } from "../../src/reconciler/conditions.js";
import { FakeClock } from "../../src/util/clock.js";
import { storedWorkflowOf } from "../../src/workflow/index.js";
import type { JsonObject } from "../../src/util/index.js";
import { runCli, tempDir } from "../support/cli.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";

const CONFIG_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: cfg
spec:
  components:
    - name: cfg
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cfg
            data:
              a: "1"
`;

const BAD_TYPE_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: bad
  namespace: default
spec:
  components:
    - name: web
      type: no-such-type
      properties: {}
`;

function workspace(files: Record<string, string>): { readonly dir: string; readonly env: Record<string, string> } {
  const dir = tempDir("vela-ts-conditions-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, env: { VELA_TS_SANDBOX: join(dir, "sandbox") } };
}

async function statusJson(
  dir: string,
  env: Record<string, string>,
  clock: FakeClock,
  app: string,
): Promise<JsonObject> {
  const run = await runCli(["sandbox", "get", "application", app, "-o", "json"], { cwd: dir, env, clock });
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { status: JsonObject }).status;
}

describe("conditions of a reconcile pass", () => {
  it("sets Parsed, Revision, Policy, Render, WorkflowFinished and Ready once the release runs", async () => {
    const { dir, env } = workspace({ "app.yaml": CONFIG_APP });
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    const up = await runCli(["up", "-f", "app.yaml", "--wait"], { cwd: dir, env, clock });
    expect(up.code, up.stderr).toBe(0);
    const conditions = conditionsOf(await statusJson(dir, env, clock, "cfg"));
    expect(conditions.map((condition) => [condition.type, condition.status, condition.reason])).toEqual([
      ["Parsed", "True", "Available"],
      ["Revision", "True", "Available"],
      ["Policy", "True", "Available"],
      ["Render", "True", "Available"],
      ["WorkflowFinished", "True", "Available"],
      ["Ready", "True", "ReconcileSuccess"],
    ]);
    expect(conditions.find((condition) => condition.type === "Revision")?.message).toBe("cfg-v1");
    for (const condition of conditions) expect(condition.lastTransitionTime).toMatch(/^2026-01-01T/);
  });

  it("a bad component type: Parsed is False with the error, a Warning event says why, status exits non-zero", async () => {
    const { dir, env } = workspace({ "bad.yaml": BAD_TYPE_APP });
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    expect((await runCli(["sandbox", "apply", "-f", "bad.yaml"], { cwd: dir, env, clock })).code).toBe(0);
    const status = await runCli(["status", "bad"], { cwd: dir, env, clock });
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/no-such-type/);
    expect(status.stderr).not.toMatch(/vela-ts bug/);

    const [parsed, ...others] = conditionsOf(await statusJson(dir, env, clock, "bad"));
    expect(others).toEqual([]);
    expect(parsed).toMatchObject({ type: "Parsed", status: "False", reason: "ReconcileError" });
    expect(parsed?.message).toMatch(/component type "no-such-type" is not defined/);

    const events = await runCli(["sandbox", "get", "events", "-o", "json"], { cwd: dir, env, clock });
    const items = (JSON.parse(events.stdout) as { items: KubeObject[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      type: "Warning",
      reason: "FailedParse",
      count: 1,
      involvedObject: { kind: "Application", name: "bad", namespace: "default" },
      source: { component: "vela-ts" },
    });

    // The same failure again: one event, counted twice (the recorder's de-duplication), no new condition time.
    clock.advanceSeconds(30);
    expect((await runCli(["status", "bad"], { cwd: dir, env, clock })).code).toBe(1);
    const again = await runCli(["sandbox", "get", "events", "-o", "json"], { cwd: dir, env, clock });
    const repeated = (JSON.parse(again.stdout) as { items: KubeObject[] }).items;
    expect(repeated).toHaveLength(1);
    expect(conditionsOf(await statusJson(dir, env, clock, "bad"))[0]?.lastTransitionTime).toBe(
      parsed?.lastTransitionTime,
    );
  });

  it("status shows the conditions and the recent events", async () => {
    const { dir, env } = workspace({ "app.yaml": CONFIG_APP });
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    expect((await runCli(["up", "-f", "app.yaml", "--wait"], { cwd: dir, env, clock })).code).toBe(0);
    clock.advanceSeconds(90);
    const status = await runCli(["status", "cfg"], { cwd: dir, env, clock });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Conditions:\n\n {2}TYPE +STATUS +REASON +AGE +MESSAGE$/m);
    expect(status.stdout).toMatch(/^ {2}Ready +True +ReconcileSuccess +1m30s$/m);
    expect(status.stdout).toMatch(/^Events:\n\n {2}TYPE +REASON +AGE +FROM +MESSAGE$/m);
    expect(status.stdout).toMatch(/^ {2}Normal +Deployed +1m30s +vela-ts +Deployed successfully$/m);
    expect(status.stdout).toMatch(/^ {2}Normal +Revisioned +1m30s +vela-ts +Revisioned successfully: cfg-v1$/m);
  });

  it("delete removes the events vela-ts recorded about the application, and no others", async () => {
    const { dir, env } = workspace({ "app.yaml": CONFIG_APP });
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    expect((await runCli(["up", "-f", "app.yaml", "--wait"], { cwd: dir, env, clock })).code).toBe(0);
    const eventsNow = async (): Promise<KubeObject[]> => {
      const run = await runCli(["sandbox", "get", "events", "-o", "json"], { cwd: dir, env, clock });
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { items: KubeObject[] }).items;
    };
    const about = (items: KubeObject[]): KubeObject[] =>
      items.filter((event) => (event.involvedObject as { name?: string } | undefined)?.name === "cfg");
    const recorded = about(await eventsNow());
    expect(recorded.length).toBeGreaterThan(0);
    const others = (await eventsNow()).length - recorded.length;

    const deleted = await runCli(["delete", "cfg"], { cwd: dir, env, clock });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`${recorded.length} Events about the application deleted`);
    const left = await eventsNow();
    expect(about(left)).toEqual([]);
    expect(left).toHaveLength(others);
  });
});

/** Runs `body` on a fresh sandbox holding one ConfigMap `subject` for the events to be about. */
async function withSubject(body: (sandbox: SandboxCluster, subject: KubeObject) => Promise<void>): Promise<void> {
  const sandbox = await openSandbox({ dir: join(tempDir(), "sb"), clock: new FakeClock() });
  try {
    const subject = await sandbox.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "subject", namespace: "default" },
    });
    await body(sandbox, subject);
  } finally {
    sandbox.close();
  }
}

describe("conditions and events, unit", () => {
  it("setCondition keeps lastTransitionTime unless the status flips, and reports no change as undefined", () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const status: JsonObject = {};
    status.conditions = setCondition(status, readyCondition("Parsed"), () => now) ?? null;
    now = new Date("2026-01-01T00:05:00Z");
    expect(setCondition(status, readyCondition("Parsed"), () => now)).toBeUndefined();
    status.conditions = setCondition(status, errorCondition("Parsed", "boom"), () => now) ?? null;
    expect(conditionsOf(status)).toEqual([
      {
        type: "Parsed",
        status: "False",
        reason: "ReconcileError",
        message: "boom",
        lastTransitionTime: "2026-01-01T00:05:00Z",
      },
    ]);
    now = new Date("2026-01-01T00:09:00Z");
    status.conditions = setCondition(status, errorCondition("Parsed", "boom again"), () => now) ?? null;
    expect(conditionsOf(status)[0]?.lastTransitionTime).toBe("2026-01-01T00:05:00Z");
  });

  it("recordEvent counts a repeated event instead of writing a second one, and a new message is a new event", async () => {
    await withSubject(async (sandbox, app) => {
      const t0 = new Date("2026-01-01T00:00:00Z");
      const t1 = new Date("2026-01-01T00:01:00Z");
      await recordEvent(sandbox, app, { type: "Warning", reason: "FailedParse", message: "bad" }, t0);
      await recordEvent(sandbox, app, { type: "Warning", reason: "FailedParse", message: "bad" }, t1);
      await recordEvent(sandbox, app, { type: "Warning", reason: "FailedParse", message: "worse" }, t1);
      const events = await eventsAbout(sandbox, app);
      expect(events).toEqual([
        expect.objectContaining({
          message: "bad",
          count: 2,
          firstTimestamp: "2026-01-01T00:00:00Z",
          lastTimestamp: "2026-01-01T00:01:00Z",
        }),
        expect.objectContaining({ message: "worse", count: 1 }),
      ]);
    });
  });

  it("recordEvents reads the object's events once for a batch: distinct names at one instant, repeats counted", async () => {
    await withSubject(async (sandbox, subject) => {
      const at = new Date("2026-01-01T00:00:00Z");
      await recordEvent(sandbox, subject, { type: "Normal", reason: "Parsed", message: "parsed" }, at);
      const calls = { lists: 0, creates: 0 };
      const counting = forwardingCluster(sandbox, {
        list: (apiVersion, kind, options) => {
          calls.lists += 1;
          return sandbox.list(apiVersion, kind, options);
        },
        create: (object) => {
          calls.creates += 1;
          return sandbox.create(object);
        },
      });
      const stored = await recordEvents(
        counting,
        subject,
        [
          { type: "Normal", reason: "Parsed", message: "parsed" },
          { type: "Normal", reason: "Rendered", message: "rendered" },
          { type: "Normal", reason: "Deployed", message: "deployed" },
          { type: "Normal", reason: "Deployed", message: "deployed" },
        ],
        at,
      );
      expect(calls).toEqual({ lists: 1, creates: 2 });
      expect(stored.map((event) => event.count)).toEqual([2, 1, 1, 2]);
      const names = stored.map((event) => event.metadata.name);
      expect(new Set(names).size).toBe(3);
      expect(names[3]).toBe(names[2]);
      const events = await eventsAbout(sandbox, subject);
      expect(events.map((event) => [event.reason, event.count]).sort()).toEqual([
        ["Deployed", 2],
        ["Parsed", 2],
        ["Rendered", 1],
      ]);
    });
  });

  it("recordEvents takes the next free name when another writer took one in between", async () => {
    await withSubject(async (sandbox, subject) => {
      const at = new Date("2026-01-01T00:00:00Z");
      let raced = false;
      const racing = forwardingCluster(sandbox, {
        create: async (object) => {
          if (!raced) {
            raced = true;
            // Another recorder creates the same name first: this one gets a 409 and moves on.
            await sandbox.create({ ...object, reason: "Other", message: "someone else's" });
          }
          return sandbox.create(object);
        },
      });
      const [stored] = await recordEvents(racing, subject, [{ type: "Normal", reason: "Mine", message: "mine" }], at);
      expect(stored?.reason).toBe("Mine");
      expect((await eventsAbout(sandbox, subject)).map((event) => event.reason).sort()).toEqual(["Mine", "Other"]);
    });
  });

  it("keeps the newest MAX_EVENTS_PER_OBJECT distinct events about an object, dropping the oldest", async () => {
    await withSubject(async (sandbox, subject) => {
      const other = await sandbox.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "other", namespace: "default" },
      });
      await recordEvent(sandbox, other, { type: "Normal", reason: "Kept", message: "another object's" }, new Date(0));
      const total = MAX_EVENTS_PER_OBJECT + 5;
      for (let index = 0; index < total; index++)
        await recordEvent(
          sandbox,
          subject,
          { type: "Normal", reason: "Changed", message: `change ${index}` },
          new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
        );
      const events = await eventsAbout(sandbox, subject);
      expect(events).toHaveLength(MAX_EVENTS_PER_OBJECT);
      expect(events[0]?.message).toBe("change 5");
      expect(events.at(-1)?.message).toBe(`change ${total - 1}`);
      expect((await eventsAbout(sandbox, other)).map((event) => event.message)).toEqual(["another object's"]);
    });
  });
  it("finds the events it recorded before they carried the uid label by their involvedObject, and no others", async () => {
    await withSubject(async (sandbox, subject) => {
      await recordEvent(sandbox, subject, { type: "Normal", reason: "Labelled", message: "now" }, new Date(1000));
      const unlabelled = (name: string, component: string, uid: string | undefined): KubeObject => ({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace: "default" },
        involvedObject: {
          apiVersion: "v1",
          kind: "ConfigMap",
          name: "subject",
          namespace: "default",
          ...(uid === undefined ? {} : { uid }),
        },
        reason: "Old",
        message: "before the label",
        type: "Normal",
        source: { component },
      });
      const uid = subject.metadata.uid ?? "";
      await sandbox.create(unlabelled("subject.old", "vela-ts", uid));
      await sandbox.create(unlabelled("subject.kubelet", "kubelet", uid));
      await sandbox.create(unlabelled("subject.earlier-life", "vela-ts", "another-uid"));
      const found = await recordedEventsAbout(sandbox, subject);
      expect(found.map((event) => event.metadata.name).sort()).toEqual([
        expect.stringMatching(/^subject\.[0-9a-f]+$/),
        "subject.old",
      ]);
      expect(found.filter((event) => event.metadata.labels?.[LABEL_EVENT_INVOLVED_UID] === uid)).toHaveLength(1);
    });
  });
});

describe("status read back from a cluster, decoded at the boundary", () => {
  it("storedWorkflowOf takes a workflow status of the shape vela-ts reads, and nothing else", () => {
    const workflow = { appRevision: "web-v1", steps: [{ name: "web", type: "apply-component", phase: "running" }] };
    expect(storedWorkflowOf({ workflow })).toEqual(workflow);
    expect(storedWorkflowOf({ workflow: { appRevision: "web-v1", steps: "not a list" } })).toBeUndefined();
    expect(storedWorkflowOf({ workflow: { steps: [] } })).toBeUndefined();
    expect(storedWorkflowOf({})).toBeUndefined();
    expect(storedWorkflowOf(undefined)).toBeUndefined();
  });
});
