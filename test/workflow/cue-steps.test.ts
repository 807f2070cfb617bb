/**
 * The CUE step runtime (kubevela/workflow's execution model): tasks found by `#do`, run depth-first
 * in field / `@step` order, results filled back and the template re-evaluated; wait, fail, suspend,
 * message; the providers (`vela/op`, `vela/kube`, `vela/http`, `vela/util`, `vela/builtin`) with
 * KubeVela's field names; a provider added by one registration; bad input failing before any task.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDefinitionParser, type WorkflowStepDefinition } from "../../src/definitions/index.js";
import { InternalError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import type { JsonObject } from "../../src/util/index.js";
import {
  builtinStepProviders,
  builtinStepRegistry,
  createStepRegistry,
  definitionStepRunner,
  resumeWorkflow,
  withStepProvider,
  type CueStepSource,
  type HttpRequest,
  type HttpResponse,
  type StepHooks,
  type StepRegistry,
  type WorkflowSpec,
} from "../../src/workflow/index.js";
import { harness, MemoryCluster, normalise, runToEnd, st } from "./support.js";

function definition(
  name: string,
  template: string,
): WorkflowStepDefinition & { cue: NonNullable<WorkflowStepDefinition["cue"]> } {
  const indented = template
    .trim()
    .split("\n")
    .map((line) => `        ${line}`)
    .join("\n");
  const yaml = `apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: ${name}
spec:
  schematic:
    cue:
      template: |
${indented}
`;
  const parsed = createDefinitionParser().parse(yaml, `${name}.yaml`, { source: "file" });
  expect(parsed.issues).toEqual([]);
  const found = parsed.definitions[0] as WorkflowStepDefinition;
  if (found.cue === undefined) throw new Error("no cue template");
  return found as WorkflowStepDefinition & { cue: NonNullable<WorkflowStepDefinition["cue"]> };
}

async function fetchHttp(request: HttpRequest): Promise<HttpResponse> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: response.status, body: await response.text() };
}

interface Received {
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly contentType: string;
}

function cueHooks(
  cluster: MemoryCluster,
  definitions: readonly ReturnType<typeof definition>[],
  overrides: Partial<StepHooks> = {},
): StepHooks {
  return {
    cluster,
    applyComponent: () => Promise.resolve({ applied: true, healthy: true }),
    http: fetchHttp,
    cueStep: (type, parameter, context): CueStepSource | undefined => {
      const found = definitions.find((candidate) => candidate.name === type);
      if (found === undefined) return undefined;
      return {
        definition: found,
        parameter,
        context: { ...(structuredClone(context) as unknown as JsonObject), name: context.appName },
        components: {
          api: { name: "api", type: "webservice", properties: { image: "nginx" } },
          web: { name: "web", type: "webservice", properties: { image: "httpd" } },
        },
      };
    },
    ...overrides,
  };
}

describe("CUE steps: the execution model", () => {
  let server: Server;
  let url: string;
  const received: Received[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        received.push({
          method: request.method ?? "",
          url: request.url ?? "",
          body,
          contentType: String(request.headers["content-type"] ?? ""),
        });
        const status = request.url === "/broken" ? 503 : 200;
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify({ ok: status === 200, path: request.url }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const ROLLOUT = definition(
    "roll-and-notify",
    `
import (
	"vela/op"
	"encoding/json"
)

config: op.#Apply & {
	value: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		metadata: name: "\\(context.name)-settings"
		data: colour: parameter.colour
	}
}
deployment: op.#Read & {
	value: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
		metadata: name: parameter.deployment
	}
}
ready: op.#ConditionalWait & {
	continue: deployment.value.status != _|_ && deployment.value.status.readyReplicas == deployment.value.spec.replicas
	message:  "waiting for deployment \\(parameter.deployment) to be ready"
}
notify: op.#HTTPPost & {
	url: parameter.webhook
	request: {
		body: json.Marshal({text: "\\(parameter.deployment) is ready (\\(deployment.value.status.readyReplicas) replicas)"})
		header: "Content-Type": "application/json"
	}
}
check: op.#Steps & {
	if notify.response.statusCode >= 400 {
		broken: op.#Fail & {message: "webhook answered \\(notify.response.statusCode)"}
	}
}
parameter: {
	colour:     string
	deployment: string
	webhook:    string
}
`,
  );

  function spec(webhook: string): WorkflowSpec {
    return {
      steps: [
        {
          name: "roll",
          type: "roll-and-notify",
          properties: { colour: "blue", deployment: "api", webhook },
          outputs: [
            { name: "ready", valueFrom: "deployment.value.status.readyReplicas" },
            { name: "answer", valueFrom: "notify.response.statusCode == 200 && ready.continue" },
          ],
        },
      ],
    };
  }

  it("applies, reads, waits across passes until the object is ready, then posts once and outputs", async () => {
    const cluster = new MemoryCluster();
    await cluster.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "default" },
      spec: { replicas: 3 },
    });
    const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(cluster, [ROLLOUT]) });
    received.length = 0;
    const first = await h.advance(spec(`${url}/hook`));
    expect(normalise(first.status.steps)).toEqual([
      st("roll", "roll-and-notify", "running", {
        reason: "Wait",
        message: "waiting for deployment api to be ready",
        firstExecuteTime: "+0s",
        lastExecuteTime: "+0s",
      }),
    ]);
    expect(cluster.objects.get("v1/ConfigMap/default/demo-settings")?.["data"]).toEqual({ colour: "blue" });
    expect(received).toEqual([]);

    // Another pass (another process): the step runs again from its first task and still waits.
    await h.advance(spec(`${url}/hook`));
    expect(received).toEqual([]);
    cluster.set({ apiVersion: "apps/v1", kind: "Deployment", name: "api", namespace: "default" }, "status", {
      readyReplicas: 3,
    });
    const done = await h.advance(spec(`${url}/hook`));
    expect(done.status.status).toBe("succeeded");
    expect(received).toEqual([
      { method: "POST", url: "/hook", body: '{"text":"api is ready (3 replicas)"}', contentType: "application/json" },
    ]);
    expect(done.status.context.vars).toEqual({ ready: 3, answer: true });
    expect(cluster.writes).toEqual([
      "apply Deployment/api",
      "apply ConfigMap/demo-settings",
      "apply ConfigMap/demo-settings",
      "apply ConfigMap/demo-settings",
    ]);
  });

  it("a process killed during any task converges when run again: same objects, the webhook sent at least once", async () => {
    const cleanup = definition(
      "cleanup",
      `
import "vela/kube"
marker: kube.#Apply & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "marker"}}
temp: kube.#Delete & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "temp"}}
`,
    );
    const workflow: WorkflowSpec = {
      steps: [
        {
          name: "roll",
          type: "roll-and-notify",
          properties: { colour: "blue", deployment: "api", webhook: `${url}/hook` },
        },
        { name: "cleanup", type: "cleanup" },
      ],
    };
    /** A cluster and HTTP whose `killAt`-th effect happens and then kills the process (nothing recorded). */
    const world = async (killAt: number) => {
      const cluster = new MemoryCluster();
      await cluster.apply({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "api", namespace: "default" },
        spec: { replicas: 1 },
        status: { readyReplicas: 1 },
      });
      await cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "temp", namespace: "default" } });
      let effects = 0;
      const effect = <T>(result: T): T => {
        effects++;
        if (effects === killAt) throw new InternalError("killed");
        return result;
      };
      const killing = Object.create(cluster) as MemoryCluster;
      killing.apply = async (object: KubeObject) => effect(await cluster.apply(object));
      killing.delete = async (ref) => effect(await cluster.delete(ref));
      const http = async (request: HttpRequest) => effect(await fetchHttp(request));
      return { cluster, killing, http, effects: () => effects };
    };

    const clean = await world(0);
    received.length = 0;
    const reference = harness({
      registry: builtinStepRegistry(),
      hooks: cueHooks(clean.killing, [ROLLOUT, cleanup], { http: clean.http }),
    });
    expect((await runToEnd(reference, workflow)).status.status).toBe("succeeded");
    const total = clean.effects();
    expect(total).toBe(4); // apply settings, POST, apply marker, delete temp
    const expected = [...clean.cluster.objects.entries()].map(([key, object]) => [key, object["data"] ?? null]);

    for (let killAt = 1; killAt <= total; killAt++) {
      received.length = 0;
      const run = await world(killAt);
      const h = harness({
        registry: builtinStepRegistry(),
        hooks: cueHooks(run.killing, [ROLLOUT, cleanup], { http: run.http }),
      });
      await expect(h.advance(workflow)).rejects.toThrow("killed");
      // The next command starts from what was saved before the kill.
      h.status = h.saves[h.saves.length - 1];
      const done = await runToEnd(h, workflow);
      expect(done.status.status, `killed at effect ${killAt}`).toBe("succeeded");
      expect([...run.cluster.objects.entries()].map(([key, object]) => [key, object["data"] ?? null])).toEqual(
        expected,
      );
      expect(received.length).toBeGreaterThanOrEqual(1);
      expect(received.length).toBeLessThanOrEqual(2);
    }
  });

  it("fails the step with the template's #Fail message when the webhook answers an error", async () => {
    const cluster = new MemoryCluster();
    await cluster.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "default" },
      spec: { replicas: 1 },
      status: { readyReplicas: 1 },
    });
    const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(cluster, [ROLLOUT]) });
    const result = await h.advance(spec(`${url}/broken`));
    expect(normalise(result.status.steps)).toEqual([
      st("roll", "roll-and-notify", "failed", {
        reason: "Action",
        message: "webhook answered 503",
        firstExecuteTime: "+0s",
        lastExecuteTime: "+0s",
      }),
    ]);
    expect(result.status.status).toBe("terminated");
  });

  it("op.#Slack, op.#DingTalk and op.#Lark post their message as JSON to their URL", async () => {
    const chat = definition(
      "chat",
      `
import "vela/op"

slack: op.#Slack & {
	slackUrl: parameter.base + "/slack"
	message: text: "to slack"
} @step(1)
ding: op.#DingTalk & {
	dingUrl: parameter.base + "/ding"
	message: {msgtype: "text", text: content: "to dingtalk"}
} @step(2)
lark: op.#Lark & {
	larkUrl: parameter.base + "/lark"
	message: {msg_type: "text", content: text: "to lark"}
} @step(3)
parameter: base: string
`,
    );
    const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(new MemoryCluster(), [chat]) });
    received.length = 0;
    const result = await h.advance({ steps: [{ name: "tell", type: "chat", properties: { base: url } }] });
    expect(result.status.status).toBe("succeeded");
    expect(
      received.map(({ method, url: path, contentType, body }) => [
        method,
        path,
        contentType,
        JSON.parse(body) as unknown,
      ]),
    ).toEqual([
      ["POST", "/slack", "application/json", { text: "to slack" }],
      ["POST", "/ding", "application/json", { msgtype: "text", text: { content: "to dingtalk" } }],
      ["POST", "/lark", "application/json", { msg_type: "text", content: { text: "to lark" } }],
    ]);
  });

  it("orders tasks by @step, fills $returns of the current packages, and keeps #Message as the step's message", async () => {
    const cluster = new MemoryCluster();
    const ordered = definition(
      "ordered",
      `
import (
	"vela/kube"
	"vela/builtin"
	"vela/util"
	"encoding/base64"
)

second: kube.#Apply & {
	$params: value: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		metadata: name: "copy"
		data: first.$returns.value.data
	}
} @step(2)
first: kube.#Read & {
	$params: value: {
		apiVersion: "v1"
		kind:       "Secret"
		metadata: name: "source"
	}
} @step(1)
decoded: util.#ConvertString & {$params: bt: base64.Decode(null, first.$returns.value.data.token)} @step(3)
say: builtin.#Message & {$params: message: "copied \\(len(second.$returns.value.data)) keys, token \\(decoded.$returns.str)"} @step(4)
log: util.#Log & {$params: data: "done"} @step(5)
`,
    );
    await cluster.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "source", namespace: "default" },
      data: { token: Buffer.from("s3cret").toString("base64") },
    });
    const logged: string[] = [];
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: cueHooks(cluster, [ordered], { log: (line) => logged.push(line) }),
    });
    const result = await h.advance({ steps: [{ name: "copy", type: "ordered" }] });
    expect(result.status.steps[0]?.phase).toBe("succeeded");
    expect(result.status.steps[0]?.message).toBe("copied 1 keys, token s3cret");
    expect(cluster.objects.get("v1/ConfigMap/default/copy")?.["data"]).toEqual({
      token: Buffer.from("s3cret").toString("base64"),
    });
    expect(logged.filter((line) => line.includes("(log)"))).toEqual(["step copy (log): done"]);
  });

  it("suspends at #Suspend until resumed, then passes it and finishes", async () => {
    const cluster = new MemoryCluster();
    const gated = definition(
      "gated",
      `
import "vela/builtin"
before: builtin.#Message & {$params: message: "before"}
gate: builtin.#Suspend & {$params: message: "approve the change"}
after: builtin.#Message & {$params: message: "after the gate"}
`,
    );
    const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(cluster, [gated]) });
    const spec: WorkflowSpec = { steps: [{ name: "gate", type: "gated" }] };
    const first = await h.advance(spec);
    expect(first.status.steps[0]).toMatchObject({ phase: "suspending", message: "approve the change" });
    expect(first.waitingForPerson).toBe(true);
    h.status = resumeWorkflow(first.status, "demo").status;
    const done = await h.advance(spec);
    expect(done.status.steps[0]).toMatchObject({ phase: "succeeded", message: "after the gate" });
  });

  it("a timed #Suspend resumes by itself", async () => {
    const timed = definition(
      "timed",
      `
import "vela/op"
soak: op.#Suspend & {duration: "30s"}
`,
    );
    const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(new MemoryCluster(), [timed]) });
    const spec: WorkflowSpec = { steps: [{ name: "soak", type: "timed" }] };
    const first = await h.advance(spec);
    expect(first.status.steps[0]?.phase).toBe("suspending");
    expect(normalise(first.nextWakeAt)).toBe("+30s");
    h.clock.advance(30_000);
    expect((await h.advance(spec)).status.status).toBe("succeeded");
  });

  it("a task with a missing required field fails the step before any task ran: nothing half-applied", async () => {
    const cluster = new MemoryCluster();
    const broken = definition(
      "broken",
      `
import "vela/kube"
first: kube.#Apply & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "first"}}
second: kube.#Apply & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: string}}
`,
    );
    const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(cluster, [broken]) });
    const result = await h.advance({ steps: [{ name: "apply", type: "broken" }] });
    expect(result.status.steps[0]).toMatchObject({ phase: "failed", reason: "Rendering" });
    expect(result.status.steps[0]?.message).toMatch(
      /^task second: second\.\$params\.value\.metadata\.name: incomplete value string \(broken\.yaml:\d+:\d+\)$/,
    );
    expect(cluster.writes).toEqual([]);
  });

  it("a task whose action fails, and a template in conflict, fail with the task path", async () => {
    const cluster = new MemoryCluster();
    const failing = definition(
      "failing",
      `
import "vela/op"
remote: op.#Apply & {cluster: "eu-1", value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "x"}}
`,
    );
    const conflict = definition(
      "conflict",
      `
import "vela/op"
x: op.#Message & {message: "a"}
x: message: "b"
`,
    );
    const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(cluster, [failing, conflict]) });
    const result = await h.advance({
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "failing" },
        { name: "b", type: "conflict", if: "always" },
      ],
    });
    expect(result.status.steps.map((step) => [step.name, step.phase, step.message])).toEqual([
      [
        "a",
        "failed",
        'task remote: cluster "eu-1": vela-ts drives one cluster; leave cluster empty (multi-cluster delivery is not available)',
      ],
      ["b", "failed", expect.stringMatching(/^task x: x\.message: conflicting values "b" and "a"|"a" and "b"/)],
    ]);
    expect(cluster.writes).toEqual([]);
  });

  it("an import of a provider vela-ts lacks fails the step naming it; one registration adds it", async () => {
    const stamp = definition(
      "stamp-lite",
      `
import "vela/time"
now: time.#Timestamp & {$params: {date: "2026-01-01T00:00:00Z"}}
seconds: now.$returns.timestamp
`,
    );
    const cluster = new MemoryCluster();
    const missing = harness({ registry: builtinStepRegistry(), hooks: cueHooks(cluster, [stamp]) });
    const failed = await missing.advance({ steps: [{ name: "stamp", type: "stamp-lite" }] });
    expect(failed.status.steps[0]).toMatchObject({ phase: "failed", reason: "Rendering" });
    expect(failed.status.steps[0]?.message).toContain(
      'provider "vela/time" is not available: the time provider is not available in vela-ts',
    );

    const calls: JsonObject[] = [];
    const providers = withStepProvider(builtinStepProviders(), {
      path: "vela/time",
      source: `#Timestamp: {
	#do: "timestamp"
	#provider: "time"
	$params: {date: string}
	$returns?: {timestamp: int}
	...
}`,
      actions: {
        time: {
          timestamp: {
            run: ({ params }) => {
              calls.push(params);
              return Promise.resolve({
                kind: "returns",
                returns: { timestamp: Date.parse(params["date"] as string) / 1000 },
              });
            },
          },
        },
      },
    });
    const registry: StepRegistry = createStepRegistry([...builtinStepRegistry().runners.values()], {
      fallback: definitionStepRunner(providers),
    });
    const h = harness({ registry, hooks: cueHooks(cluster, [stamp]) });
    const done = await h.advance({
      steps: [{ name: "stamp", type: "stamp-lite", outputs: [{ name: "seconds", valueFrom: "seconds" }] }],
    });
    expect(done.status.status).toBe("succeeded");
    expect(done.status.context.vars).toEqual({ seconds: 1767225600 });
    expect(calls).toEqual([{ date: "2026-01-01T00:00:00Z" }]);
  });

  describe("metrics.#PromCheck", () => {
    const GATE = `
import (
	"vela/metrics"
	"vela/builtin"
)
check: metrics.#PromCheck & {
	$params: {
		query:          parameter.query
		metricEndpoint: "sandbox"
		condition:      parameter.condition
		stepID:         context.stepSessionID
		duration:       "1m"
		failDuration:   "30s"
	}
}
fail: {
	if check.$returns.failed != _|_ {
		if check.$returns.failed == true {
			breakWorkflow: builtin.#Fail & {$params: message: check.$returns.message}
		}
	}
}
wait: builtin.#ConditionalWait & {
	$params: {
		continue: check.$returns.result
		if check.$returns.message != _|_ {
			message: check.$returns.message
		}
	}
}
parameter: {
	query:     string
	condition: string
}
`;
    const LEGACY = `
import "vela/op"
check: op.#PromCheck & {
	query:     "rate(requests)"
	condition: ">=0.9"
	stepID:    "legacy"
}
wait: op.#ConditionalWait & {continue: check.result}
`;

    /** A promCheck hook answering from a script of verdicts, recording what it was given. */
    function scriptedCheck(verdicts: readonly ("wait" | "pass" | "fail")[]) {
      const seen: { params: JsonObject; times: JsonObject }[] = [];
      const hook: NonNullable<StepHooks["promCheck"]> = (params, times) => {
        const verdict = verdicts[seen.length] ?? "wait";
        seen.push({ params, times });
        const stepID = params["stepID"] as string;
        return Promise.resolve({
          returns: {
            result: verdict === "pass",
            failed: verdict === "fail",
            message: `check ${seen.length}: ${verdict}`,
          },
          times: { ...times, [stepID]: { successSince: `since-${seen.length}` } },
          recheckAt: `2026-01-01T00:0${seen.length}:15Z`,
        });
      };
      return { hook, seen };
    }

    const params = { query: "sandbox:success-rate(api)", condition: ">=0.95" };

    it("waits with the check's message, keeps its times across executions and checks again when due", async () => {
      const gate = definition("metric-gate", GATE);
      const { hook, seen } = scriptedCheck(["wait", "pass"]);
      const h = harness({
        registry: builtinStepRegistry(),
        hooks: cueHooks(new MemoryCluster(), [gate], { promCheck: hook }),
      });
      const spec: WorkflowSpec = { steps: [{ name: "gate", type: "metric-gate", properties: params }] };
      const first = await h.advance(spec);
      expect(first.status.steps[0]).toMatchObject({ phase: "running", reason: "Wait", message: "check 1: wait" });
      const memory = first.status.context.steps["gate"];
      expect(memory?.wakeAt).toBe("2026-01-01T00:01:15.000Z");
      const stepID = seen[0]?.params["stepID"] as string;
      expect(stepID).not.toBe("");
      expect(seen[0]).toEqual({
        params: {
          query: params.query,
          metricEndpoint: "sandbox",
          condition: ">=0.95",
          stepID,
          duration: "1m",
          failDuration: "30s",
        },
        times: {},
      });

      const second = await h.advance(spec);
      expect(seen[1]?.times).toEqual({ [stepID]: { successSince: "since-1" } });
      expect(second.status.steps[0]).toMatchObject({ phase: "succeeded" });
      expect(second.status.status).toBe("succeeded");
    });

    it("fails the workflow with the check's message once it has failed for failDuration", async () => {
      const gate = definition("metric-gate", GATE);
      const { hook } = scriptedCheck(["wait", "fail"]);
      const h = harness({
        registry: builtinStepRegistry(),
        hooks: cueHooks(new MemoryCluster(), [gate], { promCheck: hook }),
      });
      const spec: WorkflowSpec = { steps: [{ name: "gate", type: "metric-gate", properties: params }] };
      await h.advance(spec);
      const ended = await h.advance(spec);
      expect(ended.status.steps[0]).toMatchObject({ phase: "failed", reason: "Action", message: "check 2: fail" });
    });

    it("works in the legacy op.#PromCheck form, its results on the task", async () => {
      const gate = definition("legacy-gate", LEGACY);
      const { hook, seen } = scriptedCheck(["pass"]);
      const h = harness({
        registry: builtinStepRegistry(),
        hooks: cueHooks(new MemoryCluster(), [gate], { promCheck: hook }),
      });
      const done = await h.advance({ steps: [{ name: "gate", type: "legacy-gate" }] });
      expect(done.status.status).toBe("succeeded");
      expect(seen[0]?.params).toMatchObject({ query: "rate(requests)", condition: ">=0.9", stepID: "legacy" });
    });

    it("fails the step clearly where no metrics can be read, and on a missing query", async () => {
      const gate = definition("metric-gate", GATE);
      const h = harness({ registry: builtinStepRegistry(), hooks: cueHooks(new MemoryCluster(), [gate]) });
      const spec: WorkflowSpec = { steps: [{ name: "gate", type: "metric-gate", properties: params }] };
      const ended = await h.advance(spec);
      expect(ended.status.steps[0]).toMatchObject({
        phase: "failed",
        message: "task check: metric checks need a cluster to read metrics from",
      });

      const { hook, seen } = scriptedCheck(["pass"]);
      const empty = harness({
        registry: builtinStepRegistry(),
        hooks: cueHooks(new MemoryCluster(), [gate], { promCheck: hook }),
      });
      const refused = await empty.advance({
        steps: [{ name: "gate", type: "metric-gate", properties: { query: "", condition: ">=1" } }],
      });
      expect(refused.status.steps[0]).toMatchObject({
        phase: "failed",
        message: "task check: query and condition must be non-empty strings",
      });
      expect(seen).toEqual([]);
    });
  });

  it("op.#Load and op.#ApplyRemaining apply the application's components, waiting for health", async () => {
    const applied: string[] = [];
    let healthy = false;
    const remaining = definition(
      "apply-rest",
      `
import "vela/op"
rest: op.#ApplyRemaining & {exceptions: ["web"]}
loaded: op.#Load
image: loaded.value.api.properties.image
`,
    );
    const h = harness({
      registry: builtinStepRegistry(),
      hooks: cueHooks(new MemoryCluster(), [remaining], {
        applyComponent: (name) => {
          applied.push(name);
          return Promise.resolve({ applied: true, healthy, ...(healthy ? {} : { message: "Ready:0/1" }) });
        },
      }),
    });
    const spec: WorkflowSpec = {
      steps: [{ name: "rest", type: "apply-rest", outputs: [{ name: "image", valueFrom: "image" }] }],
    };
    const first = await h.advance(spec);
    expect(first.status.steps[0]).toMatchObject({
      phase: "running",
      reason: "Wait",
      message: "waiting for component api to be healthy: Ready:0/1",
    });
    healthy = true;
    const done = await h.advance(spec);
    expect(done.status.status).toBe("succeeded");
    expect(done.status.context.vars).toEqual({ image: "nginx" });
    expect(applied).toEqual(["api", "api"]);
  });
});
