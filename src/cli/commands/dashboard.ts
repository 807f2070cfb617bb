import { spawn } from "node:child_process";
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import type { CommandEnv } from "../command.js";
import type { CliContext } from "../context.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";
import { VERSION } from "../version.js";
import { examples } from "../help.js";
import { parsePortFlag, untilStopped } from "../long-running.js";

interface DashboardFlags extends TargetFlags {
  readonly port?: string;
  readonly address?: string;
  readonly open?: boolean;
  readonly namespace?: string;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Opens `url` in the desktop's browser (`--open`); a failure is only a warning. */
function openBrowser(url: string, ctx: CliContext): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  const child = spawn(command, args, { stdio: "ignore", detached: true });
  child.on("error", (error) =>
    ctx.stderr.write(`warning: could not open a browser (${error.message}); open the URL above yourself\n`),
  );
  child.unref();
}

/** `vela-ts dashboard [--port N] [--address A] [--open]`: the web UI of the current target. */
export function registerDashboard(program: Command, env: CommandEnv): void {
  const dashboard = addTargetFlags(
    program
      .command("dashboard")
      .description(
        "serve a web UI on 127.0.0.1: applications, resource topology, workflow, canary progress and the release buttons, live; runs until Ctrl-C",
      )
      .option("--port <port>", "port to listen on (default: a free port)")
      .option(
        "--address <address>",
        "address to listen on (default 127.0.0.1; anything else is reachable from elsewhere)",
      )
      .option("--open", "open the dashboard in the default browser")
      .option("-n, --namespace <ns>", "show only this namespace (default: all namespaces)"),
  );
  examples(dashboard, [
    ["the sandbox's dashboard, opened in the default browser", "vela-ts dashboard --open"],
    [
      "a real cluster's, namespace default only, on a fixed port",
      "vela-ts dashboard --kubeconfig sandbox.kubeconfig -n default --port 8080",
    ],
  ]);
  dashboard.action(async (flags: DashboardFlags) => {
    const { ctx } = env;
    const port = parsePortFlag(flags.port);
    const address = flags.address ?? "127.0.0.1";
    if (address === "") throw new UsageError("--address needs an address", { hint: "e.g. --address 127.0.0.1" });
    const { startDashboard } = await import("../../dashboard/index.js");
    const server = await startDashboard({
      target: targetOptions(flags, ctx, "vela-ts dashboard"),
      clock: ctx.clock,
      version: VERSION,
      port,
      address,
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      log: (message) => ctx.stderr.write(`${message}\n`),
    });
    if (!LOOPBACK.has(address)) {
      ctx.stderr.write(
        `warning: listening on ${address}, not only on this machine: anyone who can reach it and has the URL's token ` +
          "can press the release buttons, and plain HTTP carries the token unencrypted\n",
      );
    }
    ctx.stdout.write(`${server.url}\n`);
    ctx.stderr.write(`vela-ts dashboard of ${server.target}: open the URL above (Ctrl-C stops it)\n`);
    if (flags.open === true) openBrowser(server.url, ctx);
    const signal = await untilStopped();
    ctx.stderr.write(`${signal}: stopping the dashboard\n`);
    await server.close();
  });
}
