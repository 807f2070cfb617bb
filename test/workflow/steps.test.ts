import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/errors/index.js";
import type { JsonValue } from "../../src/util/index.js";
import {
  builtinStepRegistry,
  parseActions,
  resumeWorkflow,
  type ApplyComponentResult,
  type HttpRequest,
  type HttpResponse,
  type StepHooks,
  type WorkflowSpec,
} from "../../src/workflow/index.js";
import { harness, MemoryCluster, normalise, st } from "./support.js";

/** The reconciler's HTTP hook as the controller would write it: plain fetch. */
async function fetchHttp(request: HttpRequest): Promise<HttpResponse> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: response.status, body: await response.text() };
}

function hooks(overrides: Partial<StepHooks>): StepHooks {
  return {
    cluster: new MemoryCluster(),
    applyComponent: () => Promise.resolve({ applied: true, healthy: true }),
    http: fetchHttp,
    ...overrides,
  };
}

describe("apply-component and deploy", () => {
  it("waits until the component is healthy, then passes its live object on as outputs", async () => {
    const health: ApplyComponentResult[] = [
      { applied: true, healthy: false, message: "Ready:0/5" },
      {
        applied: true,
        healthy: true,
        output: { apiVersion: "apps/v1", kind: "Deployment", status: { podIP: "10.1.2.3" } },
      },
    ];
    const calls: string[] = [];
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: hooks({
        applyComponent: (name, options) => {
          calls.push(`${name} ${JSON.stringify(options ?? {})}`);
          return Promise.resolve(health.shift() ?? { applied: true, healthy: true });
        },
      }),
    });
    const spec: WorkflowSpec = {
      steps: [
        {
          name: "api",
          type: "apply-component",
          properties: { component: "api", properties: { image: "v2" } },
          outputs: [{ name: "ip", valueFrom: "output.status.podIP" }],
        },
      ],
    };
    const first = await h.advance(spec);
    expect(normalise(first.status.steps)).toEqual([
      st("api", "apply-component", "running", {
        reason: "Wait",
        message: "waiting for component api to be healthy: Ready:0/5",
        firstExecuteTime: "+0s",
        lastExecuteTime: "+0s",
      }),
    ]);
    expect(first.waitingSteps).toEqual(["api"]);
    const second = await h.advance(spec);
    expect(second.status.status).toBe("succeeded");
    expect(second.status.context.vars).toEqual({ ip: "10.1.2.3" });
    expect(calls).toEqual(['api {"properties":{"image":"v2"}}', 'api {"properties":{"image":"v2"}}']);
  });

  it("fails for good without a component name, and when the component does not exist", async () => {
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: hooks({
        applyComponent: (name) => Promise.reject(new NotFoundError("E_APP_NOT_FOUND", `component "${name}" not found`)),
      }),
    });
    const result = await h.advance({
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "apply-component" },
        { name: "b", type: "apply-component", properties: { component: "ghost" } },
      ],
    });
    expect(result.status.steps.map((step) => [step.phase, step.reason, step.message])).toEqual([
      ["failed", "ProcessParameter", 'parameter "component" is required: the name of the component to apply'],
      ["failed", "Rendering", 'component "ghost" not found'],
    ]);
  });

  it("deploy applies every component; auto: false waits for approval first", async () => {
    const applied: string[] = [];
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: hooks({
        applyComponent: (name) => (applied.push(name), Promise.resolve({ applied: true, healthy: true })),
      }),
    });
    const spec: WorkflowSpec = { steps: [{ name: "release", type: "deploy", properties: { auto: false } }] };
    const first = await h.advance(spec);
    expect(first.status.steps[0]).toMatchObject({
      phase: "suspending",
      message: "waiting for approval to deploy (auto: false)",
    });
    expect(first.waitingForPerson).toBe(true);
    expect(applied).toEqual([]);
    h.status = resumeWorkflow(h.status, "demo").status;
    expect((await h.advance(spec)).status.status).toBe("succeeded");
    expect(applied).toEqual(["api", "web"]);
  });
});

describe("deploy per placement", () => {
  const placements = [
    { id: "deploy/test/test", cluster: "test", namespace: "test", components: ["web"] },
    { id: "deploy/prod/prod", cluster: "prod", namespace: "prod", components: ["web", "api"] },
  ];

  it("applies each placement's components there and waits until every one is healthy", async () => {
    const applied: string[] = [];
    let healthy = false;
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: hooks({
        placements: (step) => (step === "deploy" ? placements : undefined),
        applyComponent: (name, options) => {
          applied.push(`${name}@${options?.placement ?? "-"}`);
          return Promise.resolve(
            healthy || options?.placement !== "deploy/prod/prod"
              ? { applied: true, healthy: true }
              : { applied: true, healthy: false, message: "Ready:0/3" },
          );
        },
      }),
    });
    const spec: WorkflowSpec = { steps: [{ name: "deploy", type: "deploy", properties: { policies: ["t"] } }] };
    const first = await h.advance(spec);
    expect(first.status.steps[0]).toMatchObject({
      phase: "running",
      message: "waiting for components to be healthy: web (Ready:0/3) in prod/prod, api (Ready:0/3) in prod/prod",
    });
    expect(applied).toEqual(["web@deploy/test/test", "web@deploy/prod/prod", "api@deploy/prod/prod"]);
    healthy = true;
    expect((await h.advance(spec)).status.status).toBe("succeeded");
  });

  it("a cluster out of reach fails the step naming it, after the other placements were applied", async () => {
    const applied: string[] = [];
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: hooks({
        placements: () => placements,
        applyComponent: (name, options) => {
          if (options?.placement === "deploy/test/test")
            return Promise.reject(new NotFoundError("E_CLUSTER_UNKNOWN", 'cluster "test" is not joined to this hub'));
          applied.push(`${name}@${options?.placement ?? "-"}`);
          return Promise.resolve({ applied: true, healthy: true });
        },
      }),
    });
    const spec: WorkflowSpec = { steps: [{ name: "deploy", type: "deploy" }] };
    const result = await h.advance(spec);
    // Retryable: the step is run again after its backoff, the workflow goes on.
    expect(result.status.steps[0]).toMatchObject({
      phase: "failed",
      reason: "Execute",
      message: 'cluster test: cluster "test" is not joined to this hub',
    });
    expect(result.status.terminated).toBe(false);
    expect(result.nextWakeAt).toBeDefined();
    expect(applied).toEqual(["web@deploy/prod/prod", "api@deploy/prod/prod"]);
  });

  it("a bug is not taken for a cluster out of reach", async () => {
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: hooks({
        placements: () => placements,
        applyComponent: () => Promise.reject(new TypeError("boom")),
      }),
    });
    const result = await h.advance({ steps: [{ name: "deploy", type: "deploy" }] });
    expect(result.status.steps[0]?.message).toBe("boom");
  });
});

describe("notification", () => {
  const received: { path: string; body: JsonValue }[] = [];
  let failuresLeft = 0;
  let server: Server;
  let base = "";

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      request.on("end", () => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          response.writeHead(500).end("busy");
          return;
        }
        received.push({ path: request.url ?? "", body: JSON.parse(text) as JsonValue });
        response.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("posts webhook, slack and plain messages to a real server", async () => {
    received.length = 0;
    const h = harness({ registry: builtinStepRegistry(), hooks: hooks({}) });
    const spec: WorkflowSpec = {
      steps: [
        { name: "hook", type: "notification", properties: { webhook: { url: `${base}/hook`, message: "v2 is out" } } },
        {
          name: "slack",
          type: "notification",
          properties: { slack: { url: { value: `${base}/slack` }, message: { text: "canary at 20%" } } },
        },
        { name: "plain", type: "notification", properties: { url: `${base}/plain`, message: { status: "done" } } },
      ],
    };
    const result = await h.advance(spec);
    expect(result.status.status).toBe("succeeded");
    expect(received).toEqual([
      { path: "/hook", body: { text: "v2 is out" } },
      { path: "/slack", body: { text: "canary at 20%" } },
      { path: "/plain", body: { status: "done" } },
    ]);
  });

  it("reads the url from a Secret and retries a failed delivery with backoff", async () => {
    received.length = 0;
    failuresLeft = 1;
    const cluster = new MemoryCluster();
    await cluster.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "hooks", namespace: "default" },
      data: { url: Buffer.from(`${base}/secret`).toString("base64") },
    });
    const h = harness({ registry: builtinStepRegistry(), hooks: hooks({ cluster }) });
    const spec: WorkflowSpec = {
      steps: [
        {
          name: "n",
          type: "notification",
          properties: { slack: { url: { secretRef: { name: "hooks", key: "url" } }, message: { text: "hi" } } },
        },
      ],
    };
    const first = await h.advance(spec);
    expect(first.status.steps[0]).toMatchObject({
      phase: "failed",
      reason: "Execute",
      message: "slack notification to " + base.replace("http://", "") + " failed: HTTP 500",
    });
    expect(first.nextWakeAt).toBe("2026-01-01T00:00:01Z");
    h.clock.advanceSeconds(1);
    expect((await h.advance(spec)).status.status).toBe("succeeded");
    expect(received).toEqual([{ path: "/secret", body: { text: "hi" } }]);
  });

  it("rejects a notification with nowhere to send", async () => {
    const h = harness({ registry: builtinStepRegistry(), hooks: hooks({}) });
    const result = await h.advance({
      steps: [{ name: "n", type: "notification", properties: { email: { to: ["a@b.c"] } } }],
    });
    expect(result.status.steps[0]).toMatchObject({ phase: "failed", reason: "ProcessParameter" });
  });
});

describe("actions (user WorkflowStepDefinitions)", () => {
  const configMap = { apiVersion: "v1", kind: "ConfigMap", name: "flag" };

  function actionsHarness(
    cluster: MemoryCluster,
    definitions: Record<string, (parameter: Record<string, JsonValue>) => JsonValue[]>,
    http?: StepHooks["http"],
  ) {
    return harness({
      registry: builtinStepRegistry(),
      hooks: hooks({
        cluster,
        ...(http === undefined ? {} : { http }),
        renderActions: (name, parameter) => {
          const definition = definitions[name];
          if (definition === undefined)
            throw new NotFoundError("E_DEF_NOT_FOUND", `WorkflowStepDefinition "${name}" not found`);
          return definition(parameter);
        },
      }),
    });
  }

  it("applies, reads, waits on a CEL condition until the cluster changes, then outputs", async () => {
    const cluster = new MemoryCluster();
    const h = actionsHarness(cluster, {
      "wait-flag": (parameter) => [
        {
          apply: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "flag" },
            data: { owner: parameter["owner"] ?? null },
          },
        },
        { read: { ...configMap, as: "cm" } },
        { wait: { condition: "has(cm.status) && cm.status.ready", message: "waiting for the flag" } },
        { output: { name: "owner", valueFrom: "cm.data.owner" } },
      ],
    });
    const spec: WorkflowSpec = {
      steps: [
        {
          name: "flag",
          type: "wait-flag",
          properties: { owner: "team-a" },
          outputs: [{ name: "owner", valueFrom: "owner" }],
        },
      ],
    };
    const first = await h.advance(spec);
    expect(normalise(first.status.steps)).toEqual([
      st("flag", "wait-flag", "running", {
        reason: "Wait",
        message: "waiting for the flag",
        firstExecuteTime: "+0s",
        lastExecuteTime: "+0s",
      }),
    ]);
    expect(cluster.objects.get("v1/ConfigMap/default/flag")?.["data"]).toEqual({ owner: "team-a" });
    // Still false: the step re-runs its actions from the top (apply is idempotent) and keeps waiting.
    await h.advance(spec);
    cluster.set({ ...configMap, namespace: "default" }, "status", { ready: true });
    const done = await h.advance(spec);
    expect(done.status.status).toBe("succeeded");
    expect(done.status.context.vars).toEqual({ owner: "team-a" });
    expect(cluster.writes).toEqual(["apply ConfigMap/flag", "apply ConfigMap/flag", "apply ConfigMap/flag"]);
  });

  it("times out a wait, fails with a message, deletes, and suspends until resumed", async () => {
    const cluster = new MemoryCluster();
    await cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "old", namespace: "default" } });
    const h = actionsHarness(cluster, {
      cleanup: () => [
        { delete: { apiVersion: "v1", kind: "ConfigMap", name: "old" } },
        { suspend: { message: "check before going on" } },
        { output: { name: "done", value: true } },
      ],
      stuck: () => [{ wait: { condition: "false", timeout: "1m" } }],
      refuse: () => [{ fail: { message: "policy says no" } }],
    });
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "cleanup", type: "cleanup", outputs: [{ name: "done", valueFrom: "done" }] },
        { name: "stuck", type: "stuck" },
        { name: "refuse", type: "refuse" },
      ],
    };
    const first = await h.advance(spec);
    expect(first.status.steps.map((step) => [step.name, step.phase, step.reason, step.message])).toEqual([
      ["cleanup", "suspending", "Suspend", "check before going on"],
      ["stuck", "pending", undefined, undefined],
      ["refuse", "pending", undefined, undefined],
    ]);
    expect(cluster.objects.has("v1/ConfigMap/default/old")).toBe(false);
    h.status = resumeWorkflow(h.status, "demo").status;
    const second = await h.advance(spec);
    expect(second.status.steps.map((step) => [step.name, step.phase, step.reason, step.message])).toEqual([
      ["cleanup", "succeeded", undefined, undefined],
      ["stuck", "running", "Wait", "waiting for false"],
      ["refuse", "failed", "Action", "policy says no"],
    ]);
    expect(second.status.context.vars).toEqual({ done: true });
    h.clock.advanceSeconds(60);
    const third = await h.advance(spec);
    expect(third.status.steps[1]).toMatchObject({
      phase: "failed",
      reason: "Timeout",
      message: "wait timed out after 1m: waiting for false",
    });
    expect(third.status.status).toBe("terminated");
  });

  it("calls http and keeps the answer as a variable", async () => {
    const requests: HttpRequest[] = [];
    const h = actionsHarness(
      new MemoryCluster(),
      {
        ask: () => [
          { http: { url: "http://gate.local/approve", body: { app: "demo" }, as: "answer" } },
          { output: { name: "ok", valueFrom: "answer.body.approved" } },
        ],
      },
      (request) => {
        requests.push(request);
        return Promise.resolve({ status: 200, body: '{"approved":true}' });
      },
    );
    const result = await h.advance({
      steps: [{ name: "ask", type: "ask", outputs: [{ name: "approved", valueFrom: "ok" }] }],
    });
    expect(result.status.context.vars).toEqual({ approved: true });
    expect(requests).toEqual([
      {
        url: "http://gate.local/approve",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"app":"demo"}',
      },
    ]);
  });

  it("fails for good when the definition does not exist or renders bad actions", async () => {
    const h = actionsHarness(new MemoryCluster(), { bad: () => [{ launch: {} }] });
    const result = await h.advance({
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "missing" },
        { name: "b", type: "bad" },
      ],
    });
    expect(result.status.steps.map((step) => [step.phase, step.reason, step.message])).toEqual([
      ["failed", "Rendering", 'WorkflowStepDefinition "missing" not found'],
      [
        "failed",
        "Rendering",
        'step type "bad": action 1: unknown action "launch"; known: apply, read, wait, suspend, delete, http, fail, output',
      ],
    ]);
  });

  it.each([
    {
      name: "two keys",
      actions: [{ apply: {}, read: {} }],
      want: "action 1: each action is a mapping with exactly one key (apply, read, wait, suspend, delete, http, fail, output)",
    },
    {
      name: "read without as",
      actions: [{ read: { apiVersion: "v1", kind: "Secret", name: "s" } }],
      want: 'action 1: read needs "as", the variable to read into',
    },
    { name: "bad CEL", actions: [{ wait: { condition: "a ==" } }], want: /^action 1: CEL expression "a =="/ },
    {
      name: "bad duration",
      actions: [{ suspend: { duration: "later" } }],
      want: 'action 1: suspend duration "later" is not a duration',
    },
    {
      name: "apply without a name",
      actions: [{ apply: { apiVersion: "v1", kind: "ConfigMap", metadata: {} } }],
      want: "action 1: apply needs an object with apiVersion, kind and metadata.name",
    },
  ])("parseActions: $name", ({ actions, want }) => {
    const parsed = parseActions(actions, "default");
    if (typeof want === "string") expect(parsed).toBe(want);
    else expect(parsed).toMatch(want);
  });

  it("parseActions puts namespaced objects in the app's namespace", () => {
    expect(
      parseActions(
        [
          { apply: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } } },
          { apply: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } } },
        ],
        "prod",
      ),
    ).toEqual([
      { kind: "apply", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "prod" } } },
      { kind: "apply", object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } } },
    ]);
  });
});
