import { isAbsolute, join, resolve } from "node:path";
import type { Command } from "commander";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { parsePortFlag, untilStopped } from "../long-running.js";
import { loadController } from "../lazy-controller.js";

interface ServeFlags {
  readonly port?: string;
  readonly kubeconfigOut?: string;
  readonly sandbox?: string;
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
    const port = parsePortFlag(flags.port);
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
