/**
 * Workflow steps written in CUE, end to end through the CLI on the sandbox: a user step over
 * `vela/op` that applies a ConfigMap, reads the component's Deployment, waits for a flag across
 * commands and suspends until `workflow resume`; the bundled CUE steps (`export2config`,
 * `export2secret`, `webhook`, `request`) against a loopback server; KubeVela-shaped CUE versions of
 * `notification`, `apply-object`, `read-object` and `apply-component` (examples/cue-steps) given with
 * `--definitions`; and the failure path: a `#Fail` message, exit 3, nothing applied by unrun steps.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { readApplication, storySandbox, type StorySandbox } from "../support/story.js";

const AWAIT_FLAG = `import (
	"vela/op"
)

"await-flag": {
	type:        "workflow-step"
	description: "Write the release settings, wait until the workload is ready and a flag says go, then wait for approval"
}
template: {
	settings: op.#Apply & {
		value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: name: "\\(context.name)-release"
			data: {
				revision: context.appRevision
				step:     context.stepName
			}
		}
	}
	workload: op.#Read & {
		value: {
			apiVersion: "apps/v1"
			kind:       "Deployment"
			metadata: name: parameter.component
		}
	}
	ready: op.#ConditionalWait & {
		continue: workload.value.status.readyReplicas > 0 && workload.value.status.readyReplicas == workload.value.status.replicas
		message:  "waiting for \\(parameter.component) to be ready"
	}
	flag: op.#Read & {
		value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: name: parameter.flag
		}
	}
	go: op.#ConditionalWait & {
		continue: flag.err == _|_ && flag.value.data.go == "yes"
		message:  "waiting for ConfigMap \\(parameter.flag) to say go"
	}
	approve: op.#Suspend & {message: "flag is set: approve with workflow resume"}
	done: op.#Message & {message: "\\(parameter.component) ready, flag by \\(flag.value.data.owner)"}
	parameter: {
		component: string
		flag:      string
	}
}
`;

function app(url: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
spec:
  components:
    - name: api
      type: webservice
      properties: {image: "nginx:1.25"}
    - name: worker
      type: webservice
      properties: {image: "busybox:1.36"}
  workflow:
    steps:
      - name: deploy-api
        type: apply-component
        properties: {component: api}
      - name: settings
        type: export2config
        properties:
          configName: shop-settings
          data: {colour: blue}
      - name: read-settings
        type: read-object
        properties: {apiVersion: v1, kind: ConfigMap, name: shop-settings}
        outputs:
          - {name: colour, valueFrom: output.value.data.colour}
      - name: gate
        type: await-flag
        properties: {component: api, flag: shop-go}
      - name: credentials
        type: export2secret
        properties:
          secretName: shop-registry
          kind: docker-registry
          data: {}
          dockerRegistry: {username: bot, password: hunter2, server: registry.example.com}
      - name: ask
        type: request
        properties: {url: "${url}/version"}
        outputs:
          - {name: version, valueFrom: response.version}
      - name: tell
        type: webhook
        inputs:
          - {from: version, parameterKey: data.version}
        properties:
          url: {value: "${url}/hook"}
          data: {app: shop}
      - name: chat
        type: notification
        properties:
          slack:
            url: {secretRef: {name: chat-hook, key: url}}
            message: {text: "shop is out"}
      - name: deploy-worker
        type: apply-component
        properties: {component: worker}
`;
}

const FLAG = `apiVersion: v1
kind: ConfigMap
metadata: {name: shop-go, namespace: default}
data: {go: "yes", owner: ops}
`;

interface Received {
  readonly url: string;
  readonly body: string;
}

describe("CUE workflow steps through the CLI", () => {
  let server: Server;
  let url: string;
  const received: Received[] = [];
  let story: StorySandbox;
  let definitions: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        received.push({ url: request.url ?? "", body });
        const status = request.url === "/broken" ? 500 : 200;
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(request.url === "/version" ? { version: "1.4.2" } : { ok: status === 200 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    story = await storySandbox({ charts: false });
    definitions = join(story.cwd, "definitions");
    mkdirSync(definitions, { recursive: true });
    writeFileSync(join(definitions, "await-flag.cue"), AWAIT_FLAG);
    for (const file of ["notification.cue", "apply-object.cue", "read-object.cue", "apply-component.cue"])
      copyFileSync(join(PROJECT_ROOT, "examples", "cue-steps", file), join(definitions, file));
    writeFileSync(join(story.cwd, "shop.yaml"), app(url));
    writeFileSync(join(story.cwd, "flag.yaml"), FLAG);
    writeFileSync(
      join(story.cwd, "chat-hook.yaml"),
      [
        "apiVersion: v1",
        "kind: Secret",
        "metadata: {name: chat-hook, namespace: default}",
        `data: {url: "${Buffer.from(`${url}/slack`).toString("base64")}"}`,
        "",
      ].join("\n"),
    );
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("def vet accepts the steps; a task missing an input and an unavailable provider are named", async () => {
    for (const file of ["await-flag.cue", "notification.cue", "apply-component.cue"]) {
      const vet = await runCli(["def", "vet", join(definitions, file)], { cwd: story.cwd });
      expect(vet.code, vet.stderr).toBe(0);
    }
    /** `def vet` of a one-task step definition importing `pkg`. */
    const vetStep = (name: string, pkg: string, task: string): ReturnType<typeof runCli> => {
      const file = join(story.cwd, `${name}.cue`);
      writeFileSync(
        file,
        `import "${pkg}"
"${name}": {
	type:        "workflow-step"
	description: "x"
}
template: {
	${task}
}
`,
      );
      return runCli(["def", "vet", file], { cwd: story.cwd });
    };
    // vela/metrics is provided: the task's missing condition is what vet reports.
    const vet = await vetStep("check-latency", "vela/metrics", 'check: metrics.#PromCheck & {$params: query: "up"}');
    expect(vet.code).toBe(1);
    expect(vet.stderr).toContain("task check: check.$params.condition: incomplete value string");
    const mail = await vetStep(
      "mail-owner",
      "vela/email",
      'send: email.#SendEmail & {$params: to: "owner@example.com"}',
    );
    expect(mail.code).toBe(1);
    expect(mail.stderr).toContain('provider "vela/email" is not available');
  });

  it("up runs to the user step's wait; status shows it; the flag from another command lets it reach its suspend", async () => {
    // Stored in the cluster: every later command, from any shell, finds the steps.
    for (const file of [
      "await-flag.cue",
      "notification.cue",
      "apply-object.cue",
      "read-object.cue",
      "apply-component.cue",
    ])
      await story.velaOk(["def", "apply", join(definitions, file)]);
    await story.velaOk(["sandbox", "apply", "-f", join(story.cwd, "chat-hook.yaml")]);
    const up = await story.velaOk(["up", "-f", join(story.cwd, "shop.yaml"), "--wait", "--timeout", "1m"], 5);
    expect(up.stdout).toContain("waiting for ConfigMap shop-go to say go");
    const release = await story.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "shop-release",
      namespace: "default",
    });
    expect(release?.data).toEqual({ revision: "shop-v1", step: "gate" });
    expect(
      (await story.get({ apiVersion: "v1", kind: "ConfigMap", name: "shop-settings", namespace: "default" }))?.data,
    ).toEqual({ colour: "blue" });
    const status = await story.velaOk(["status", "shop"]);
    expect(status.stdout).toContain("waiting for ConfigMap shop-go to say go");
    expect(received).toEqual([]);

    await story.velaOk(["sandbox", "apply", "-f", join(story.cwd, "flag.yaml")]);
    const again = await story.velaOk(["up", "-f", join(story.cwd, "shop.yaml")]);
    expect(again.stdout).toContain("flag is set: approve with workflow resume");
    const app = await readApplication(story, "shop");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["deploy-api", "succeeded"],
      ["settings", "succeeded"],
      ["read-settings", "succeeded"],
      ["gate", "suspending"],
      ["credentials", "pending"],
      ["ask", "pending"],
      ["tell", "pending"],
      ["chat", "pending"],
      ["deploy-worker", "pending"],
    ]);
  });

  it("workflow resume (another command) passes the suspend and runs the bundled CUE steps to the end", async () => {
    const resume = await story.velaOk(["workflow", "resume", "shop", "--wait", "--timeout", "2m"]);
    expect(resume.stdout).toContain("the workflow finished");
    const app = await readApplication(story, "shop");
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.workflow?.steps?.find((step) => step.name === "gate")?.message).toBe("api ready, flag by ops");
    expect(received.map((request) => request.url)).toEqual(["/version", "/hook", "/slack"]);
    expect(JSON.parse(received[1]?.body ?? "")).toEqual({ app: "shop", version: "1.4.2" });
    expect(JSON.parse(received[2]?.body ?? "")).toEqual({ text: "shop is out" });
    const secret = await story.get({ apiVersion: "v1", kind: "Secret", name: "shop-registry", namespace: "default" });
    expect(secret?.type).toBe("kubernetes.io/dockerconfigjson");
    // Written as stringData (the sandbox keeps it as written; an API server folds it into data).
    const config = JSON.parse(String((secret?.["stringData"] as Record<string, string>)[".dockerconfigjson"])) as {
      auths: Record<string, { username: string; auth: string }>;
    };
    expect(config.auths["registry.example.com"]).toMatchObject({
      username: "bot",
      auth: Buffer.from("bot:hunter2").toString("base64"),
    });
    expect(
      await story.get({ apiVersion: "apps/v1", kind: "Deployment", name: "worker", namespace: "default" }),
    ).toBeDefined();
    const vars = (app?.object.status as { workflow?: { context?: { vars?: unknown } } }).workflow?.context?.vars;
    expect(vars).toEqual({ colour: "blue", version: "1.4.2" });
  });

  it("a #Fail ends the workflow with its message and exit 3; later steps apply nothing", async () => {
    writeFileSync(
      join(story.cwd, "failing.yaml"),
      `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: failing
spec:
  components:
    - name: failing-api
      type: webservice
      properties: {image: "nginx:1.25"}
  workflow:
    steps:
      - name: ask
        type: request
        properties: {url: "${url}/broken"}
      - name: settings
        type: apply-object
        properties:
          value: {apiVersion: v1, kind: ConfigMap, metadata: {name: failing-settings}, data: {a: "1"}}
      - name: deploy
        type: apply-component
        properties: {component: failing-api}
`,
    );
    const up = await story.velaOk(["up", "-f", join(story.cwd, "failing.yaml"), "--wait"], 3);
    expect(up.stdout).toContain(`request to ${url}/broken failed: HTTP 500`);
    const app = await readApplication(story, "failing");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase, step.reason ?? ""])).toEqual([
      ["ask", "failed", "Action"],
      ["settings", "skipped", "Skip"],
      ["deploy", "skipped", "Skip"],
    ]);
    expect(
      await story.get({ apiVersion: "v1", kind: "ConfigMap", name: "failing-settings", namespace: "default" }),
    ).toBeUndefined();
    expect(
      await story.get({ apiVersion: "apps/v1", kind: "Deployment", name: "failing-api", namespace: "default" }),
    ).toBeUndefined();
  });
});

describe("an upstream-shaped workflow: step-group, if, inputs and outputs in KubeVela's CUE syntax", () => {
  it("runs unchanged", async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ version: "2.0.1", healthy: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const story = await storySandbox({ charts: false });
      const file = join(story.cwd, "probe.yaml");
      writeFileSync(
        file,
        `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: probe
spec:
  components: []
  workflow:
    steps:
      - name: check
        type: step-group
        subSteps:
          - name: ask
            type: request
            properties: {url: "${url}/info"}
            outputs:
              - {name: tag, valueFrom: '"v" + response.version'}
              - {name: healthy, valueFrom: response.healthy}
          - name: record
            type: export2config
            dependsOn: [ask]
            inputs:
              - {from: tag, parameterKey: data.tag}
            properties: {configName: probe-result, data: {source: probe}}
      - name: when-healthy
        type: export2config
        if: 'status.check.phase == "succeeded" && inputs.healthy && context.name + "-ok" == "probe-ok"'
        inputs:
          - {from: healthy}
        properties: {configName: probe-healthy, data: {ok: "yes"}}
      - name: when-broken
        type: export2config
        if: status.ask.failed
        properties: {configName: probe-broken, data: {ok: "no"}}
`,
      );
      const up = await story.velaOk(["up", "-f", file, "--wait"]);
      expect(up.stdout).toContain("the workflow finished");
      const app = await readApplication(story, "probe");
      expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
        ["check", "succeeded"],
        ["when-healthy", "succeeded"],
        ["when-broken", "skipped"],
      ]);
      const config = (name: string) => story.get({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" });
      expect((await config("probe-result"))?.data).toEqual({ source: "probe", tag: "v2.0.1" });
      expect((await config("probe-healthy"))?.data).toEqual({ ok: "yes" });
      expect(await config("probe-broken")).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
