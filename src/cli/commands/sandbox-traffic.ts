import { Option, type Command } from "commander";
import { join, resolve } from "node:path";
import { UsageError } from "../../errors/index.js";
import type { RouteSummary, RouterName } from "../../operations/sandbox-traffic.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { OUTPUT_HELP, parseOutputSpec, printResult } from "../printers/printer.js";
import { formatTable } from "../printers/table.js";

/** `--router` values (the sandbox's routers; kept here so `--help` needs no controller import). */
const ROUTER_CHOICES: readonly RouterName[] = ["ingress-nginx", "higress", "traefik", "gateway-api", "istio"];

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** `--sandbox DIR`, else `VELA_TS_SANDBOX`, else `./.vela-ts`. */
function sandboxDir(option: string | undefined, env: CommandEnv): string {
  const chosen = option ?? env.ctx.env.VELA_TS_SANDBOX;
  return chosen === undefined || chosen === "" ? join(env.ctx.cwd, ".vela-ts") : resolve(env.ctx.cwd, chosen);
}

/** `-H 'Name: value'` → { Name: value }. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(":");
    if (colon <= 0)
      throw new UsageError(`header "${value}" is not of the form 'Name: value'`, {
        hint: "e.g. -H 'user-agent: android'",
      });
    out[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  }
  return out;
}

/** `--cookie k=v` → { k: v }. */
export function parseCookies(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    for (const part of value.split(";")) {
      const trimmed = part.trim();
      if (trimmed === "") continue;
      const eq = trimmed.indexOf("=");
      if (eq <= 0)
        throw new UsageError(`cookie "${trimmed}" is not of the form name=value`, {
          hint: "e.g. --cookie canary=always",
        });
      out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
    }
  }
  return out;
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
  return Number(text);
}

function share(count: number, total: number): string {
  return total === 0 ? "0.0%" : `${((count * 100) / total).toFixed(1)}%`;
}

/** The human form of a request summary: one table per answering image, pod and status. */
export function formatRouteSummary(summary: RouteSummary): string {
  const total = summary.requests;
  const images = Object.entries(summary.byImage).sort(([, a], [, b]) => b - a);
  const pods = Object.entries(summary.byPod).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const statuses = Object.entries(summary.byStatus);
  const parts = [
    formatTable(
      ["IMAGE", "COUNT", "SHARE"],
      images.map(([image, count]) => [image, String(count), share(count, total)]),
    ),
    formatTable(
      ["POD", "IMAGE", "COUNT", "SHARE"],
      pods.map(([pod, count]) => [pod, summary.podImages[pod] ?? "", String(count), share(count, total)]),
    ),
    formatTable(
      ["STATUS", "COUNT", "SHARE"],
      statuses.map(([status, count]) => [status, String(count), share(count, total)]),
    ),
  ];
  const via = summary.route === undefined ? summary.router : `${summary.router} (${summary.route})`;
  return `${total} requests via ${via}\n\n${parts.join("\n")}`;
}

interface RequestFlags {
  readonly host?: string;
  readonly path: string;
  readonly header: readonly string[];
  readonly cookie: readonly string[];
  readonly service?: string;
  readonly router?: string;
  readonly namespace: string;
  readonly count: string;
  readonly seed?: string;
  readonly output?: string;
  readonly sandbox?: string;
}

/** `sandbox request`, `sandbox rollout approve|promote|abort|retry|pause|resume` and `sandbox charts add|list`. */
export function registerSandboxTraffic(sandbox: Command, env: CommandEnv): void {
  const request = sandbox
    .command("request")
    .description(
      "send simulated HTTP requests through the sandbox's routers (ingress-nginx, Higress, Traefik, Gateway API, Istio) " +
        "and count which pods and images answer",
    )
    .option("--host <host>", "the request's Host header (matched against Ingress rules and VirtualService hosts)")
    .option("--path <path>", "the request path", "/")
    .option("-H, --header <header>", "a request header 'Name: value' (repeatable)", collect, [])
    .option("--cookie <cookie>", "a cookie name=value (repeatable)", collect, [])
    .option(
      "--service <name>",
      "send mesh requests straight to this Service (Istio sidecar routing) instead of through an Ingress or Gateway",
    )
    .addOption(
      new Option(
        "--router <name>",
        "enter through this router only (default: the first of them with a route for the host and path)",
      ).choices([...ROUTER_CHOICES]),
    )
    .option("-n, --namespace <namespace>", "namespace of --service", "default")
    .option("--count <n>", "number of requests", "100")
    .option("--seed <seed>", "seed of the random choices (same seed, same answers)")
    .option("-o, --output <format>", `${OUTPUT_HELP}; the data is the summary of the answers`)
    .option("--sandbox <dir>", "the sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)");
  examples(request, [
    [
      "1,000 requests through the Ingress of demo.example.com: which images answer",
      "vela-ts sandbox request --host demo.example.com --path /version --count 1000",
    ],
    [
      "only the count of answers per image",
      "vela-ts sandbox request --host demo.example.com --count 1000 --seed 1 -o jsonpath='{.byImage}'",
    ],
  ]);
  request.action(async (flags: RequestFlags) => {
    const output = await parseOutputSpec(flags.output, env.ctx, ["yaml", "json"]);
    const { sendSandboxRequests } = await loadController();
    if (flags.host === undefined && flags.service === undefined)
      throw new UsageError("--host or --service is required", {
        hint: "e.g. vela-ts sandbox request --host canary-demo.com --path /version",
      });
    const summary = await sendSandboxRequests({
      dir: sandboxDir(flags.sandbox, env),
      clock: env.ctx.clock,
      host: flags.host ?? flags.service ?? "",
      path: flags.path,
      headers: parseHeaders(flags.header),
      cookies: parseCookies(flags.cookie),
      count: positiveInt(flags.count, "--count"),
      seed: flags.seed ?? String(env.ctx.clock.now().getTime()),
      ...(flags.service === undefined ? {} : { service: flags.service, namespace: flags.namespace }),
      ...(flags.router === undefined ? {} : { router: flags.router as RouterName }),
    });
    printResult(
      env.ctx.stdout,
      env.ctx.stderr,
      output,
      { data: { object: summary }, names: () => [], human: () => formatRouteSummary(summary) },
      env.stdoutStyle,
    );
  });

  const rollout = sandbox
    .command("rollout")
    .description(
      "move a Rollout on: approve (Kruise, as kubectl-kruise rollout does); " +
        "promote, abort, retry (Argo, as kubectl argo rollouts does); pause, resume (either)",
    );
  type RolloutVerb = "approve" | "pause" | "resume" | "promote" | "abort" | "retry";
  interface RolloutFlags {
    readonly namespace: string;
    readonly wait: boolean;
    readonly full?: boolean;
    readonly sandbox?: string;
  }
  const rolloutAction = (verb: RolloutVerb, description: string, waits: boolean): void => {
    const command = rollout
      .command(`${verb} <name>`)
      .description(description)
      .option("-n, --namespace <namespace>", "the Rollout's namespace", "default")
      .option("--sandbox <dir>", "the sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)");
    if (waits)
      command.option(
        "--no-wait",
        "return right after the change instead of waiting until the Rollout waits again at a step (or finishes)",
      );
    if (verb === "promote") command.option("--full", "skip every remaining step and pause (status.promoteFull)");
    const kruise = verb === "approve" || verb === "pause" || verb === "resume";
    const example = kruise ? "demo-app" : "rollouts-demo";
    examples(command, [
      [`${verb} the ${kruise ? "Kruise" : "Argo"} Rollout ${example}`, `vela-ts sandbox rollout ${verb} ${example}`],
    ]);
    command.action(async (name: string, flags: RolloutFlags) => {
      const controller = await loadController();
      const target = {
        dir: sandboxDir(flags.sandbox, env),
        clock: env.ctx.clock,
        name,
        namespace: flags.namespace,
        ...(waits && flags.wait ? { sleep: env.ctx.sleep } : {}),
      };
      const result =
        verb === "approve"
          ? await controller.approveRollout(target)
          : verb === "promote"
            ? await controller.promoteArgoRollout({ ...target, full: flags.full === true })
            : verb === "abort" || verb === "retry"
              ? await controller.setArgoRolloutAborted({ ...target, abort: verb === "abort" })
              : await controller.setRolloutPaused({ ...target, paused: verb === "pause" });
      env.ctx.stdout.write(`${result.message}\n`);
    });
  };
  rolloutAction(
    "approve",
    "approve the step a Kruise Rollout is paused at (status currentStepState StepPaused → StepReady)",
    true,
  );
  rolloutAction(
    "promote",
    "promote an Argo Rollout: end the pause it waits at, or skip the current step (--full: skip them all); returns at once",
    false,
  );
  rolloutAction(
    "abort",
    "abort an Argo Rollout's update: all traffic back to stable at once, the canary scaled down after its delay",
    false,
  );
  rolloutAction("retry", "retry an aborted Argo Rollout: its steps start again from the first", false);
  rolloutAction("pause", "pause a Rollout (Kruise spec.strategy.paused, Argo spec.paused)", true);
  rolloutAction("resume", "resume a paused Rollout", true);

  const charts = sandbox
    .command("charts")
    .description("chart mirrors: serve a chart repository URL from a local directory");
  const add = charts
    .command("add <repo-url> <dir-or-index>")
    .description(
      "map a chart repository URL (as a HelmRepository names it) to a local chart repository (index.yaml + .tgz)",
    )
    .option("--sandbox <dir>", "the sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)");
  examples(add, [
    [
      "serve the example apps' chart repository from this checkout",
      "vela-ts sandbox charts add https://charts.example.com/demo/ examples/charts/repo",
    ],
  ]);
  add.action(async (url: string, source: string, flags: { readonly sandbox?: string }) => {
    const { addSandboxChartMirror } = await loadController();
    const mirror = addSandboxChartMirror({ dir: sandboxDir(flags.sandbox, env), url, source, cwd: env.ctx.cwd });
    env.ctx.stdout.write(`chart mirror added: ${mirror.url} → ${mirror.dir}\n`);
  });
  const listCharts = charts
    .command("list")
    .description("list the chart mirrors of the sandbox")
    .option("-o, --output <format>", `${OUTPUT_HELP}; the data is a List of mirrors`)
    .option("--sandbox <dir>", "the sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)");
  examples(listCharts, [
    ["the chart repositories the sandbox serves from local folders", "vela-ts sandbox charts list"],
  ]);
  listCharts.action(async (flags: { readonly output?: string; readonly sandbox?: string }) => {
    const output = await parseOutputSpec(flags.output, env.ctx);
    const { listSandboxChartMirrors } = await loadController();
    const mirrors = listSandboxChartMirrors(sandboxDir(flags.sandbox, env));
    printResult(
      env.ctx.stdout,
      env.ctx.stderr,
      output,
      {
        data: { items: mirrors },
        names: () => mirrors.map((mirror) => mirror.url),
        human: () =>
          formatTable(
            ["REPOSITORY", "DIRECTORY"],
            mirrors.map((mirror) => [mirror.url, mirror.dir]),
          ),
        emptyMessage: "No chart mirrors: add one with vela-ts sandbox charts add URL DIR",
      },
      env.stdoutStyle,
    );
  });
}
