import type { Command } from "commander";
import type {
  CanaryGate,
  ComponentResources,
  ResourceTreeNode,
  StatusStep,
  StatusView,
  WatchStop,
} from "../../operations/index.js";
import { UsageError } from "../../errors/index.js";
import { formatDuration, parseDuration } from "../../util/duration.js";
import { requireAppArgument } from "../app-argument.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { OUTPUT_HELP, parseOutputSpec, printResult, type OutputSpec, type Printable } from "../printers/printer.js";
import { EXIT_CODES } from "../report.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";
import { LiveView } from "../terminal/live-view.js";
import { PLAIN_STYLE, type Style } from "../terminal/style.js";

interface StatusFlags extends TargetFlags {
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

function formatSteps(steps: readonly StatusStep[], now: string, indent: string, style: Style): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    lines.push(`${indent}- ${step.id === undefined ? `name: ${step.name}` : `id: ${step.id}`}`);
    if (step.id !== undefined) lines.push(`${indent}  name: ${step.name}`);
    lines.push(`${indent}  type: ${step.type}`);
    const resumes = step.resumesAt === undefined ? "" : ` (${timeLeft(step.resumesAt, now)})`;
    lines.push(`${indent}  phase: ${style.phase(step.phase)}${resumes}`);
    if (step.message !== undefined) lines.push(`${indent}  message: ${step.message}`);
    if (step.subSteps.length > 0) {
      lines.push(`${indent}  subSteps:`);
      lines.push(...formatSteps(step.subSteps, now, `${indent}  `, style));
    }
  }
  return lines;
}

function formatAbout(view: StatusView, style: Style): string[] {
  const rows: [string, string][] = [
    ["Name:", view.name],
    ["Namespace:", view.namespace],
    ["Created at:", view.createdAt ?? "unknown"],
    ["Status:", style.phase(view.phase)],
  ];
  if (view.revision !== undefined) {
    const publish = view.revision.publishVersion;
    rows.push(["Revision:", `${view.revision.name}${publish === undefined ? "" : ` (publishVersion ${publish})`}`]);
  }
  const rollback = view.rollback;
  if (rollback !== undefined) {
    const from = rollback.from === undefined ? "" : ` from ${rollback.from}`;
    const time = rollback.time === undefined ? "" : ` at ${rollback.time}`;
    rows.push(["Rollback:", `rolled back${from} to ${rollback.to}${time}`]);
    if (rollback.reason !== undefined) rows.push(["Reason:", rollback.reason]);
  }
  return [style.bold("About:"), "", ...rows.map(([label, value]) => `  ${label.padEnd(13)}${value}`)];
}

/** Each step analysis: its verdict, then every measurement (value and verdict), newest last. */
function formatAnalysis(view: StatusView, style: Style): string[] {
  const runs = Object.entries(view.analysis ?? {});
  if (runs.length === 0) return [];
  const lines = [style.bold("Analysis:"), ""];
  for (const [rollout, run] of runs) {
    lines.push(`  - Rollout: ${rollout} (step ${run.step}, since ${run.startedAt})`);
    lines.push(`    Phase: ${style.phase(run.phase)}${run.message === undefined ? "" : `: ${run.message}`}`);
    for (const metric of run.metrics) {
      lines.push(`    Metric ${metric.name}: ${style.phase(metric.phase)}`);
      for (const measurement of metric.measurements) {
        const value = measurement.value === undefined ? "" : ` value ${measurement.value}`;
        const message = measurement.message === undefined ? "" : ` (${measurement.message})`;
        lines.push(`      ${measurement.startedAt}${value}: ${style.phase(measurement.phase)}${message}`);
      }
    }
  }
  return lines;
}

function formatWorkflow(view: StatusView, style: Style): string[] {
  const workflow = view.workflow;
  if (workflow === undefined) return [style.bold("Workflow:"), "", "  not started"];
  const lines = [
    style.bold("Workflow:"),
    "",
    `  mode: ${workflow.mode}`,
    `  status: ${style.phase(workflow.status)}`,
    `  finished: ${workflow.finished}`,
    `  suspend: ${workflow.suspend}`,
    `  terminated: ${workflow.terminated}`,
  ];
  if (workflow.message !== undefined) lines.push(`  message: ${workflow.message}`);
  lines.push("  Steps");
  lines.push(...formatSteps(workflow.steps, view.now, "  ", style));
  return lines;
}

function formatServices(view: StatusView, marks: Marks, style: Style): string[] {
  if (view.services.length === 0) return [style.bold("Services:"), "", "  none yet"];
  const lines = [style.bold("Services:"), ""];
  for (const service of view.services) {
    lines.push(`  - Name: ${service.name}`);
    if (service.cluster !== undefined) lines.push(`    Cluster: ${service.cluster}`);
    lines.push(`    Namespace: ${service.namespace}`);
    if (service.type !== undefined) lines.push(`    Type: ${service.type}`);
    const state = service.healthy
      ? style.good("Healthy")
      : service.gate === undefined
        ? style.bad("Unhealthy")
        : style.warn(GATE_LABELS[service.gate]);
    lines.push(`    ${state}${service.message === undefined ? "" : `: ${service.message}`}`);
    if (service.traits.length > 0) {
      lines.push("    Traits:");
      for (const trait of service.traits) {
        const mark = trait.healthy
          ? style.good(marks.ok)
          : trait.gate === undefined
            ? style.bad(marks.bad)
            : style.warn(marks.wait);
        const gate = trait.gate === undefined ? "" : ` (${TRAIT_GATE_LABELS[trait.gate]})`;
        lines.push(`      ${mark} ${trait.type}${gate}${trait.message === undefined ? "" : `: ${trait.message}`}`);
      }
    }
  }
  return lines;
}

function formatPods(pods: { readonly ready: number; readonly total: number }, revision: string | undefined): string {
  return `${pods.ready}/${pods.total} ready${revision === undefined ? "" : ` (revision ${revision})`}`;
}

function formatCanaries(view: StatusView, style: Style): string[] {
  if (view.canaries.length === 0) return [];
  const lines = [style.bold("Canary:"), ""];
  for (const canary of view.canaries) {
    lines.push(
      `  - Rollout: ${canary.rollout}${canary.component === undefined ? "" : ` (component ${canary.component})`}`,
    );
    lines.push(`    Phase: ${style.phase(canary.phase)}${canary.paused ? style.warn(" (paused)") : ""}`);
    if (canary.inProgress) {
      const weight = canary.weight === undefined ? "" : `, weight ${canary.weight}%`;
      const replicas = canary.replicas === undefined ? "" : `, replicas ${canary.replicas}`;
      lines.push(`    Step: ${canary.step}/${canary.steps}${weight}${replicas}`);
      const resumes = canary.resumesAt === undefined ? "" : ` (${timeLeft(canary.resumesAt, view.now)})`;
      lines.push(`    State: ${style.phase(canary.state ?? "unknown")}${resumes}`);
      lines.push(`    Canary pods: ${formatPods(canary.canaryPods, canary.canaryRevision)}`);
    }
    lines.push(`    Stable pods: ${formatPods(canary.stablePods, canary.stableRevision)}`);
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
  const adopted = node.adoption === undefined ? "" : `  (adopted, ${node.adoption})`;
  const lines = [
    `${prefix}${last ? marks.branch[1] : marks.branch[0]}${node.kind}/${node.name}${where}${status}${adopted}`,
  ];
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
  style: Style = PLAIN_STYLE,
): string[] {
  const lines = [
    style.bold("Resources:"),
    "",
    `  Application/${view.name} (namespace ${view.namespace})  ${view.phase}`,
  ];
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

/** How long ago `time` was, as kubectl prints ages (`5m`, `2h`), or `<unknown>`. */
function age(time: string | undefined, now: string): string {
  const since = time === undefined ? NaN : Date.parse(now) - Date.parse(time);
  return Number.isFinite(since) ? formatDuration(Math.max(0, since)) : "<unknown>";
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ")}`.trimEnd());
}

/** KubeVela's conditions (`status.conditions`): which stage of the last pass went how. */
function formatConditions(view: StatusView, style: Style): string[] {
  const conditions = view.conditions ?? [];
  if (conditions.length === 0) return [];
  const rows = conditions.map((condition) => [
    condition.type,
    condition.status,
    condition.reason,
    age(condition.lastTransitionTime, view.now),
    condition.message ?? "",
  ]);
  const lines = table([["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"], ...rows]);
  return [
    style.bold("Conditions:"),
    "",
    ...lines.map((line, index) => (index > 0 && conditions[index - 1]?.status === "False" ? style.bad(line) : line)),
  ];
}

/** The Events about the Application, as `kubectl describe` ends: `Events: <none>` when there are none. */
function formatEvents(view: StatusView, style: Style): string[] {
  const events = view.events ?? [];
  if (events.length === 0) return [`${style.bold("Events:")} <none>`];
  const rows = events.map((event) => {
    const last = age(event.lastTimestamp, view.now);
    const when = event.count > 1 ? `${last} (x${event.count} over ${age(event.firstTimestamp, view.now)})` : last;
    return [event.type, event.reason, when, event.source ?? "", event.message];
  });
  const lines = table([["TYPE", "REASON", "AGE", "FROM", "MESSAGE"], ...rows]);
  return [
    style.bold("Events:"),
    "",
    ...lines.map((line, index) => (index > 0 && events[index - 1]?.type === "Warning" ? style.warn(line) : line)),
  ];
}

/** The whole human-readable status (KubeVela's `vela status` layout plus Canary and Resources). */
export function formatStatus(view: StatusView, marks: Marks = PLAIN_MARKS, style: Style = PLAIN_STYLE): string {
  const sections = [
    formatAbout(view, style),
    formatWorkflow(view, style),
    formatServices(view, marks, style),
    formatCanaries(view, style),
    formatAnalysis(view, style),
  ];
  if (view.tree !== undefined) sections.push(formatResourceTree(view, view.tree, marks, style));
  sections.push(formatConditions(view, style), formatEvents(view, style));
  if (view.waitingFor !== undefined && !view.canaries.some((canary) => canary.next.length > 0))
    sections.push([style.bold("Waiting:"), "", `  ${style.warn(view.waitingFor)}`]);
  return `${sections
    .filter((section) => section.length > 0)
    .map((section) => section.join("\n"))
    .join("\n\n")}\n`;
}

function statusPrintable(view: StatusView, marks: Marks): Printable {
  return {
    data: { object: view.application },
    names: () => [`application.core.oam.dev/${view.name}`],
    human: ({ style }) => formatStatus(view, marks, style),
  };
}

function render(view: StatusView, output: OutputSpec, marks: Marks, style: Style): string {
  let text = "";
  const sink = { write: (chunk: string) => void (text += chunk) };
  printResult(sink, sink, output, statusPrintable(view, marks), style);
  return text;
}

const WATCH_REASONS: Readonly<Record<WatchStop, string>> = {
  finished: "the workflow finished and every component is healthy",
  failed: "the workflow failed or was terminated",
  "waiting-for-person": "the release waits for a person",
  timeout: "gave up watching (--timeout); the release goes on",
};

/** `vela-ts status [app] [--tree] [--watch] [-o …]`. */
export function registerStatus(program: Command, env: CommandEnv): void {
  const command = addNamespaceFlag(
    program
      .command("status [app]")
      .description("show an application's revision, workflow steps, services, canary progress and (--tree) resources")
      .option("--tree", "also show the resource topology (tracked objects and what they own); -o wide does too")
      .option(
        "-w, --watch",
        "look again every 2s until the workflow finishes, fails or waits for a person (redrawn in place on a terminal)",
      )
      .option("--timeout <duration>", "with --watch: stop watching after this long (e.g. 5m)")
      .option("-o, --output <format>", `${OUTPUT_HELP}; the data is the Application with its status`),
  );
  addTargetFlags(command);
  examples(command, [
    ["where the release of demo-app stands", "vela-ts status demo-app"],
    ["with the objects it created and what they own", "vela-ts status demo-app --tree"],
    ["follow it until it needs a person or ends (at most a minute)", "vela-ts status demo-app --watch --timeout 1m"],
    ["the Application with its status, as YAML", "vela-ts status demo-app -o yaml"],
    ["only its phase", "vela-ts status demo-app -o jsonpath='{.status.status}'"],
  ]);
  command.action(async (appArgument: string | undefined, flags: StatusFlags) => {
    const output = await parseOutputSpec(flags.output, env.ctx);
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
    if (flags.timeout !== undefined && timeoutMs === undefined)
      throw new UsageError(`--timeout ${flags.timeout} is not a duration`, {
        hint: "use Go durations such as 30s or 5m",
      });
    if (flags.timeout !== undefined && flags.watch !== true)
      throw new UsageError("--timeout only applies to --watch", {
        hint: `use: vela-ts status ${appArgument ?? "APP"} --watch --timeout ${flags.timeout}`,
      });
    const target = targetOptions(flags, env.ctx, "vela-ts status");
    const namespace = await namespaceOf(flags, target);
    const app = await requireAppArgument(appArgument, "status", target, namespace);
    const { applicationStatus, watchApplicationStatus } = await loadController();
    const marks = env.ctx.stdout.isTTY === true ? TTY_MARKS : PLAIN_MARKS;
    const options = {
      ...target,
      app,
      namespace,
      tree: flags.tree === true || output.kind === "wide",
      sleep: env.ctx.sleep,
    };
    if (flags.watch !== true) {
      env.ctx.stdout.write(render(await applicationStatus(options), output, marks, env.stdoutStyle));
      return;
    }
    const human = output.kind === "default" || output.kind === "wide";
    // Machine formats are appended (once per change) even on a terminal: they are read by programs.
    const view = new LiveView(human ? env.ctx.stdout : { write: (text) => env.ctx.stdout.write(text) });
    // Messages of the passes go below the frame when both streams are the terminal, so a redraw clears them.
    const sameScreen = env.ctx.stderr.isTTY === true;
    const result = await watchApplicationStatus({
      ...options,
      log: (message) => (sameScreen ? view.note(message, env.ctx.stderr) : env.ctx.stderr.write(`${message}\n`)),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onView: (status) => view.show(render(status, output, marks, env.stdoutStyle)),
    });
    const reason =
      result.stop === "failed"
        ? `the workflow ${result.view.workflow?.status ?? "failed"}`
        : WATCH_REASONS[result.stop];
    env.ctx.stderr.write(`watch ended: ${reason}\n`);
    env.setExitCode(
      result.stop === "failed" ? EXIT_CODES.workflow : result.stop === "timeout" ? EXIT_CODES.timeout : EXIT_CODES.ok,
    );
  });
}
