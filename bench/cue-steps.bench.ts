/**
 * The CUE step runtime: a 20-step workflow where each step applies a ConfigMap, reads it back and
 * waits on a condition over what it read (three tasks), written as a CUE WorkflowStepDefinition and
 * as the same steps in TypeScript.
 * - evaluation per task, cluster calls excluded (goal ≤ 1 ms): the engine run over an in-memory
 *   cluster whose calls are timed and subtracted, ÷ the tasks run;
 * - total wall time of `vela-ts up` on a sandbox, CUE steps ÷ the same workflow with a TypeScript
 *   step runner (the engine with the runner registered in place of the definition).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { main } from "../src/cli/main.js";
import type { CliContext } from "../src/cli/context.js";
import type { Cluster } from "../src/cluster/cluster.js";
import { createDefinitionParser, type WorkflowStepDefinition } from "../src/definitions/index.js";
import type { KubeObject, ObjectRef } from "../src/model/kube-object.js";
import { FakeClock } from "../src/util/clock.js";
import type { JsonObject } from "../src/util/index.js";
import {
  advanceWorkflow,
  builtinStepRegistry,
  withStepRunners,
  type StepHooks,
  type StepRegistry,
  type StepRunner,
  type WorkflowSpec,
  type WorkflowStatus,
} from "../src/workflow/index.js";
import { medianMs, printFigure } from "./measure.js";

const STEPS = 20;
const TASKS_PER_STEP = 3;

const CUE_STEP = `import (
	"vela/op"
)

"record-config": {
	type:        "workflow-step"
	description: "Apply a ConfigMap, read it back, wait until it says ready"
}
template: {
	apply: op.#Apply & {
		value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: name: parameter.name
			data: {ready: "yes", index: "\\(parameter.index)"}
		}
	}
	read: op.#Read & {
		value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: name: parameter.name
		}
	}
	wait: op.#ConditionalWait & {
		continue: read.value.data.ready == "yes"
	}
	parameter: {
		name:  string
		index: int
	}
}
`;

function objectKey(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

/** An in-memory cluster that times its own calls. */
function timedCluster(): { cluster: Cluster; spentMs: () => number } {
  const objects = new Map<string, KubeObject>();
  let spent = 0;
  const timed = <T>(fn: () => T): Promise<T> => {
    const start = performance.now();
    const result = fn();
    spent += performance.now() - start;
    return Promise.resolve(result);
  };
  const refOf = (object: KubeObject): ObjectRef => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  });
  const unused = (): Promise<never> => Promise.reject(new Error("not used"));
  const cluster: Cluster = {
    kind: "sandbox",
    get: (ref) => timed(() => structuredClone(objects.get(objectKey(ref)))),
    list: () => unused(),
    apply: (object) =>
      timed(() => {
        objects.set(objectKey(refOf(object)), structuredClone(object));
        return structuredClone(object);
      }),
    create: () => unused(),
    update: () => unused(),
    updateStatus: () => unused(),
    patch: () => unused(),
    patchStatus: () => unused(),
    delete: () => unused(),
    watch: () => {
      throw new Error("not used");
    },
  };
  return { cluster, spentMs: () => spent };
}

function workflow(type: string): WorkflowSpec {
  return {
    steps: Array.from({ length: STEPS }, (_, index) => ({
      name: `record-${index}`,
      type,
      properties: { name: `config-${index}`, index },
    })),
  };
}

function cueDefinition(): WorkflowStepDefinition & { cue: NonNullable<WorkflowStepDefinition["cue"]> } {
  const parsed = createDefinitionParser().parse(CUE_STEP, "record-config.cue", { source: "file" });
  const definition = parsed.definitions[0] as WorkflowStepDefinition | undefined;
  if (definition?.cue === undefined) throw new Error(`the bench step did not parse: ${JSON.stringify(parsed.issues)}`);
  return definition as WorkflowStepDefinition & { cue: NonNullable<WorkflowStepDefinition["cue"]> };
}

/** The same step in TypeScript: apply, read back, check. */
const typescriptStep: StepRunner = {
  type: "record-config",
  async run(_step, ctx) {
    const name = typeof ctx.parameter["name"] === "string" ? ctx.parameter["name"] : "";
    await ctx.cluster.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: ctx.context.namespace },
      data: { ready: "yes", index: JSON.stringify(ctx.parameter["index"] ?? null) },
    });
    const read = await ctx.cluster.get({ apiVersion: "v1", kind: "ConfigMap", name, namespace: ctx.context.namespace });
    const data = (read?.["data"] ?? {}) as JsonObject;
    if (data["ready"] !== "yes") return { kind: "running", reason: "Wait", message: "waiting" };
    return { kind: "succeeded", outputs: { value: structuredClone(read) as unknown as JsonObject } };
  },
};

async function runEngine(registry: StepRegistry, hooks: StepHooks): Promise<WorkflowStatus> {
  const result = await advanceWorkflow(workflow("record-config"), undefined, {
    clock: new FakeClock(),
    registry,
    app: { appName: "bench", namespace: "default", appRevision: "bench-v1" },
    hooks,
    saveStatus: () => Promise.resolve(),
  });
  if (result.status.status !== "succeeded") throw new Error(`the bench workflow ended ${result.status.status}`);
  return result.status;
}

async function perTask(): Promise<void> {
  const definition = cueDefinition();
  let clusterMs = 0;
  const cueRun = async (): Promise<void> => {
    const { cluster, spentMs } = timedCluster();
    await runEngine(builtinStepRegistry(), {
      cluster,
      applyComponent: () => Promise.reject(new Error("not used")),
      http: () => Promise.reject(new Error("not used")),
      cueStep: (_type, parameter, context) => ({
        definition,
        parameter,
        context: { ...(structuredClone(context) as unknown as JsonObject), name: context.appName },
        components: {},
      }),
    });
    clusterMs = spentMs();
  };
  const samples: number[] = [];
  await cueRun();
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    await cueRun();
    samples.push(performance.now() - start - clusterMs);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  printFigure(
    `CUE step evaluation per task (${STEPS} steps × ${TASKS_PER_STEP} tasks, cluster calls excluded)`,
    median / (STEPS * TASKS_PER_STEP),
    "ms",
    { max: 1 },
  );
  const typescript = await medianMs(async () => {
    const { cluster } = timedCluster();
    await runEngine(withStepRunners(builtinStepRegistry(), [typescriptStep]), {
      cluster,
      applyComponent: () => Promise.reject(new Error("not used")),
      http: () => Promise.reject(new Error("not used")),
    });
  }, 15);
  printFigure("the same 20 steps in TypeScript, engine only", typescript, "ms");
  printFigure("the 20 CUE steps, engine only (cluster calls excluded)", median, "ms");
}

async function vela(argv: readonly string[], cwd: string): Promise<void> {
  let stderr = "";
  const clock = new FakeClock();
  const ctx: CliContext = {
    cwd,
    env: {},
    readStdin: () => Promise.resolve(""),
    stdout: { write: () => undefined },
    stderr: { write: (text) => void (stderr += text) },
    clock,
    sleep: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
  };
  const code = await main(argv, ctx);
  if (code !== 0) throw new Error(`vela-ts ${argv.join(" ")} exited ${code}: ${stderr}`);
}

const ACTIONS_STEP = `apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: record-config
spec:
  schematic:
    template:
      parameter:
        name: string
        index: int
      actions: |
        - apply:
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: {{json parameter.name}}}
            data: {ready: "yes", index: "{{parameter.index}}"}
        - read: {apiVersion: v1, kind: ConfigMap, name: {{json parameter.name}}, as: read}
        - wait: {condition: 'read != null && read.data.ready == "yes"'}
`;

function application(): string {
  const steps = Array.from(
    { length: STEPS },
    (_, index) =>
      `      - {name: record-${index}, type: record-config, properties: {name: config-${index}, index: ${index}}}`,
  );
  return [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata: {name: bench}",
    "spec:",
    "  components: []",
    "  workflow:",
    "    steps:",
    ...steps,
    "",
  ].join("\n");
}

async function onTheSandbox(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "vela-bench-cue-steps-"));
  try {
    const wallTime = async (file: string, text: string): Promise<number> => {
      const definitions = join(root, file.replace(/\..*$/, ""));
      mkdirSync(definitions, { recursive: true });
      writeFileSync(join(definitions, file), text);
      writeFileSync(join(root, "app.yaml"), application());
      let run = 0;
      return medianMs(
        async () => {
          const sandbox = join(root, `sandbox-${file}-${run++}`);
          await vela(["up", "-f", "app.yaml", "--definitions", definitions, "--sandbox", sandbox], root);
        },
        5,
        1,
      );
    };
    const cue = await wallTime("record-config.cue", CUE_STEP);
    const actions = await wallTime("record-config.yaml", ACTIONS_STEP);
    printFigure("vela-ts up on a sandbox, 20 CUE steps", cue, "ms");
    printFigure("vela-ts up on a sandbox, the same 20 steps as actions (TypeScript runner)", actions, "ms");
    printFigure("CUE steps ÷ TypeScript steps, total wall time", cue / actions, "×");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await perTask();
  await onTheSandbox();
}
