import type { Command } from "commander";
import type {
  CanaryGate,
  ComponentResources,
  ResourceTreeNode,
  StatusStep,
  StatusView,
} from "../../controller/index.js";
import { UsageError } from "../../errors/index.js";
import { formatDuration, parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { parseOutputFormat, printValue, type OutputFormat } from "../output.js";
import { EXIT_CODES } from "../report.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";
import { loadController } from "../lazy-controller.js";

interface StatusFlags extends TargetFlags {
  readonly namespace: string;
  readonly tree?: boolean;
  readonly watch?: boolean;
  readonly timeout?: string;
  readonly output?: string;
}

/** Marks for healthy / unhealthy: emoji on a terminal, plain ASCII when piped. */
interface Marks {
  readonly ok: string;
  readonly bad: string;
  /** Unhealthy only because a canary waits for a person (not a fault). */
  readonly wait: string;
  /** Tree branches: middle, last, continuation, blank. */
  readonly branch: readonly [string, string, string, string];
}

const TTY_MARKS: Marks = { ok: "✅", bad: "❌", wait: "⏸️", branch: ["├── ", "└── ", "│   ", "    "] };
const PLAIN_MARKS: Marks = { ok: "[ok]", bad: "[x]", wait: "[..]", branch: ["|-- ", "`-- ", "|   ", "    "] };

/** How a component whose canary waits at a gate is shown instead of "Unhealthy". */
const GATE_LABELS: Readonly<Record<CanaryGate, string>> = {
  approval: "Waiting for approval",
  suspended: "Paused (workflow suspended)",
  terminated: "Paused (workflow terminated)",
};

const TRAIT_GATE_LABELS: Readonly<Record<CanaryGate, string>> = {
  approval: "waiting for approval",
  suspended: "paused: workflow suspended",
  terminated: "paused: workflow terminated",
};

function timeLeft(until: string, now: string): string {
  const left = Date.parse(until) - Date.parse(now);
  return left <= 0 ? "resumes now" : `resumes in ${formatDuration(left)}`;
}

function formatSteps(steps: readonly StatusStep[], now: string, indent: string): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    lines.push(`${indent}- ${step.id === undefined ? `name: ${step.name}` : `id: ${step.id}`}`);
    if (step.id !== undefined) lines.push(`${indent}  name: ${step.name}`);
    lines.push(`${indent}  type: ${step.type}`);
    lines.push(
      `${indent}  phase: ${step.phase}${step.resumesAt === undefined ? "" : ` (${timeLeft(step.resumesAt, now)})`}`,
    );
    if (step.message !== undefined) lines.push(`${indent}  message: ${step.message}`);
    if (step.subSteps.length > 0) {
      lines.push(`${indent}  subSteps:`);
      lines.push(...formatSteps(step.subSteps, now, `${indent}  `));
    }
  }
  return lines;
}

function formatAbout(view: StatusView): string[] {
  const rows: [string, string][] = [
    ["Name:", view.name],
    ["Namespace:", view.namespace],
    ["Created at:", view.createdAt ?? "unknown"],
    ["Status:", view.phase],
  ];
  if (view.revision !== undefined) {
    rows.push([
      "Revision:",
      `${view.revision.name}${view.revision.publishVersion === undefined ? "" : ` (publishVersion ${view.revision.publishVersion})`}`,
    ]);
  }
  if (view.rollback !== undefined) {
    rows.push([
      "Rollback:",
      `rolled back${view.rollback.from === undefined ? "" : ` from ${view.rollback.from}`} to ${view.rollback.to}${view.rollback.time === undefined ? "" : ` at ${view.rollback.time}`}`,
    ]);
  }
  return ["About:", "", ...rows.map(([label, value]) => `  ${label.padEnd(13)}${value}`)];
}

function formatWorkflow(view: StatusView): string[] {
  const workflow = view.workflow;
  if (workflow === undefined) return ["Workflow:", "", "  not started"];
  const lines = [
    "Workflow:",
    "",
    `  mode: ${workflow.mode}`,
    `  status: ${workflow.status}`,
    `  finished: ${workflow.finished}`,
    `  suspend: ${workflow.suspend}`,
    `  terminated: ${workflow.terminated}`,
  ];
  if (workflow.message !== undefined) lines.push(`  message: ${workflow.message}`);
  lines.push("  Steps");
  lines.push(...formatSteps(workflow.steps, view.now, "  "));
  return lines;
}

function formatServices(view: StatusView, marks: Marks): string[] {
  if (view.services.length === 0) return ["Services:", "", "  none yet"];
  const lines = ["Services:", ""];
  for (const service of view.services) {
    lines.push(`  - Name: ${service.name}`);
    lines.push(`    Namespace: ${service.namespace}`);
    if (service.type !== undefined) lines.push(`    Type: ${service.type}`);
    const state = service.healthy ? "Healthy" : service.gate === undefined ? "Unhealthy" : GATE_LABELS[service.gate];
    lines.push(`    ${state}${service.message === undefined ? "" : `: ${service.message}`}`);
    if (service.traits.length > 0) {
      lines.push("    Traits:");
      for (const trait of service.traits) {
        const mark = trait.healthy ? marks.ok : trait.gate === undefined ? marks.bad : marks.wait;
        const gate = trait.gate === undefined ? "" : ` (${TRAIT_GATE_LABELS[trait.gate]})`;
        lines.push(`      ${mark} ${trait.type}${gate}${trait.message === undefined ? "" : `: ${trait.message}`}`);
      }
    }
  }
  return lines;
}

function formatCanaries(view: StatusView): string[] {
  if (view.canaries.length === 0) return [];
  const lines = ["Canary:", ""];
  for (const canary of view.canaries) {
    lines.push(
      `  - Rollout: ${canary.rollout}${canary.component === undefined ? "" : ` (component ${canary.component})`}`,
    );
    lines.push(`    Phase: ${canary.phase}${canary.paused ? " (paused)" : ""}`);
    if (canary.inProgress) {
      const weight = canary.weight === undefined ? "" : `, weight ${canary.weight}%`;
      const replicas = canary.replicas === undefined ? "" : `, replicas ${canary.replicas}`;
      lines.push(`    Step: ${canary.step}/${canary.steps}${weight}${replicas}`);
      lines.push(
        `    State: ${canary.state ?? "unknown"}${canary.resumesAt === undefined ? "" : ` (${timeLeft(canary.resumesAt, view.now)})`}`,
      );
      lines.push(
        `    Canary pods: ${canary.canaryPods.ready}/${canary.canaryPods.total} ready${canary.canaryRevision === undefined ? "" : ` (revision ${canary.canaryRevision})`}`,
      );
    }
    lines.push(
      `    Stable pods: ${canary.stablePods.ready}/${canary.stablePods.total} ready${canary.stableRevision === undefined ? "" : ` (revision ${canary.stableRevision})`}`,
    );
    if (canary.message !== undefined) lines.push(`    Message: ${canary.message}`);
    if (canary.next.length > 0) {
      lines.push("    Next:");
      for (const next of canary.next) lines.push(`      ${next}`);
    }
  }
  return lines;
}

function formatNode(node: ResourceTreeNode, namespace: string, prefix: string, last: boolean, marks: Marks): string[] {
  const where = node.namespace === undefined || node.namespace === namespace ? "" : ` (namespace ${node.namespace})`;
  const status = node.status === "" ? "" : `  ${node.status}`;
  const lines = [`${prefix}${last ? marks.branch[1] : marks.branch[0]}${node.kind}/${node.name}${where}${status}`];
  const childPrefix = `${prefix}${last ? marks.branch[3] : marks.branch[2]}`;
  node.children.forEach((child, index) =>
    lines.push(...formatNode(child, namespace, childPrefix, index === node.children.length - 1, marks)),
  );
  return lines;
}

/** The `--tree` text: app → component → tracked objects → what they own. */
export function formatResourceTree(
  view: Pick<StatusView, "name" | "namespace" | "phase">,
  tree: readonly ComponentResources[],
  marks: Marks = PLAIN_MARKS,
): string[] {
  const lines = ["Resources:", "", `  Application/${view.name} (namespace ${view.namespace})  ${view.phase}`];
  tree.forEach((component, index) => {
    const last = index === tree.length - 1;
    lines.push(
      `  ${last ? marks.branch[1] : marks.branch[0]}Component/${component.component === "" ? "(none)" : component.component}`,
    );
    const prefix = `  ${last ? marks.branch[3] : marks.branch[2]}`;
    component.resources.forEach((node, nodeIndex) =>
      lines.push(...formatNode(node, view.namespace, prefix, nodeIndex === component.resources.length - 1, marks)),
    );
  });
  if (tree.length === 0) lines.push("  (no resources recorded yet)");
  return lines;
}

/** The whole human-readable status (KubeVela's `vela status` layout plus Canary and Resources). */
export function formatStatus(view: StatusView, marks: Marks = PLAIN_MARKS): string {
  const sections = [formatAbout(view), formatWorkflow(view), formatServices(view, marks), formatCanaries(view)];
  if (view.tree !== undefined) sections.push(formatResourceTree(view, view.tree, marks));
  if (view.waitingFor !== undefined && !view.canaries.some((canary) => canary.next.length > 0))
    sections.push(["Waiting:", "", `  ${view.waitingFor}`]);
  return `${sections
    .filter((section) => section.length > 0)
    .map((section) => section.join("\n"))
    .join("\n\n")}\n`;
}

function render(view: StatusView, format: OutputFormat | undefined, marks: Marks): string {
  if (format === undefined) return formatStatus(view, marks);
  let text = "";
  printValue({ write: (chunk) => void (text += chunk) }, view.application, format);
  return text;
}

/** `vela-ts status <app> [--tree] [--watch] [-o yaml|json]`. */
export function registerStatus(program: Command, env: CommandEnv): void {
  addTargetFlags(
    program
      .command("status <app>")
      .description("show an application's revision, workflow steps, services, canary progress and (--tree) resources")
      .option("-n, --namespace <ns>", "namespace of the application", "default")
      .option("--tree", "also show the resource topology (tracked objects and what they own)")
      .option("-w, --watch", "look again every 2s until the workflow finishes, fails or waits for a person")
      .option("--timeout <duration>", "with --watch: stop watching after this long (e.g. 5m)")
      .option("-o, --output <format>", "print the Application with its status as yaml or json"),
  ).action(async (app: string, flags: StatusFlags) => {
    const { applicationStatus, watchApplicationStatus } = await loadController();
    const format = flags.output === undefined ? undefined : parseOutputFormat(flags.output);
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
    if (flags.timeout !== undefined && timeoutMs === undefined)
      throw new UsageError(`--timeout ${flags.timeout} is not a duration`, {
        hint: "use Go durations such as 30s or 5m",
      });
    if (flags.timeout !== undefined && flags.watch !== true)
      throw new UsageError("--timeout only applies to --watch", {
        hint: `use: vela-ts status ${app} --watch --timeout ${flags.timeout}`,
      });
    const marks = env.ctx.stdout.isTTY === true ? TTY_MARKS : PLAIN_MARKS;
    const options = {
      ...targetOptions(flags, env.ctx, "vela-ts status"),
      app,
      namespace: flags.namespace,
      tree: flags.tree === true,
      sleep: env.ctx.sleep,
    };
    if (flags.watch !== true) {
      env.ctx.stdout.write(render(await applicationStatus(options), format, marks));
      return;
    }
    let last: string | undefined;
    const result = await watchApplicationStatus({
      ...options,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onView: (view) => {
        const text = render(view, format, marks);
        if (text === last) return;
        env.ctx.stdout.write(last === undefined ? text : `\n${text}`);
        last = text;
      },
    });
    const reasons: Readonly<Record<typeof result.stop, string>> = {
      finished: "the workflow finished and every component is healthy",
      failed: `the workflow ${result.view.workflow?.status ?? "failed"}`,
      "waiting-for-person": "the release waits for a person",
      timeout: "gave up watching (--timeout); the release goes on",
    };
    env.ctx.stderr.write(`watch ended: ${reasons[result.stop]}\n`);
    env.setExitCode(
      result.stop === "failed" ? EXIT_CODES.workflow : result.stop === "timeout" ? EXIT_CODES.timeout : EXIT_CODES.ok,
    );
  });
}
