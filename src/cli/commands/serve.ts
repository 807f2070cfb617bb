import { isAbsolute, join, resolve } from "node:path";
import type { Command } from "commander";
import type { CommandEnv } from "../command.js";
import { UsageError } from "../../errors/index.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";

interface ServeFlags {
  readonly port?: string;
  readonly kubeconfigOut?: string;
  readonly sandbox?: string;
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--port must be a TCP port number (0-65535), got "${text}"`, {
      hint: "leave --port out to use a free port",
    });
  return port;
}

/** Resolves when the process gets SIGINT or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolveSignal) => {
    const stop = (signal: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolveSignal(signal);
    };
    const onInt = (): void => stop("SIGINT");
    const onTerm = (): void => stop("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

/** `vela-ts sandbox serve`: the sandbox as a Kubernetes API server for kubectl and `--kubeconfig`. */
export function registerSandboxServe(sandbox: Command, env: CommandEnv): void {
  const serve = sandbox
    .command("serve")
    .description(
      "serve the sandbox as a Kubernetes API on 127.0.0.1 (HTTPS + bearer token) and write a kubeconfig for kubectl; runs until Ctrl-C",
    )
    .option("--port <port>", "port to listen on (default: a free port)")
    .option("--kubeconfig-out <file>", "where to write the kubeconfig (default: <sandbox>/kubeconfig)")
    .option("--sandbox <dir>", "sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)");
  examples(serve, [
    [
      "serve the sandbox; kubectl and vela-ts then reach it with the kubeconfig",
      "vela-ts sandbox serve --kubeconfig-out sandbox.kubeconfig",
    ],
  ]);
  serve.action(async (flags: ServeFlags) => {
    const { resolveSandboxDir, serveSandbox } = await loadController();
    const { ctx } = env;
    const port = parsePort(flags.port);
    const sandboxDir = resolveSandboxDir({
      cwd: ctx.cwd,
      ...(flags.sandbox === undefined ? {} : { sandboxDir: flags.sandbox }),
      ...(ctx.env.VELA_TS_SANDBOX === undefined ? {} : { sandboxEnv: ctx.env.VELA_TS_SANDBOX }),
    });
    const kubeconfigOut =
      flags.kubeconfigOut === undefined
        ? join(sandboxDir, "kubeconfig")
        : isAbsolute(flags.kubeconfigOut)
          ? flags.kubeconfigOut
          : resolve(ctx.cwd, flags.kubeconfigOut);
    const serving = await serveSandbox({
      sandboxDir,
      kubeconfigOut,
      clock: ctx.clock,
      port,
      warn: (message) => ctx.stderr.write(`warning: ${message}\n`),
    });
    ctx.stderr.write(`Serving sandbox ${sandboxDir} at ${serving.url}; kubeconfig written to ${kubeconfigOut}\n`);
    ctx.stderr.write(
      `try: kubectl --kubeconfig ${kubeconfigOut} get deploy,rollout,ingress -A   (Ctrl-C stops the server)\n`,
    );
    const signal = await untilStopped();
    ctx.stderr.write(`${signal}: stopping (finishing in-flight requests)\n`);
    await serving.close();
  });
}
