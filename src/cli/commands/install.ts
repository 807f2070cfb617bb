import type { Command } from "commander";
import type { CommandEnv } from "../command.js";
import { printObjects } from "../output.js";
import { loadController } from "../lazy-controller.js";

interface InstallFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly dryRun?: boolean;
  readonly forceConflicts?: boolean;
}

/** `vela-ts install`: the KubeVela-compatible CRDs vela-ts keeps its state in, on a real cluster. */
export function registerInstall(program: Command, env: CommandEnv): void {
  program
    .command("install")
    .description(
      "apply the CRDs vela-ts needs on a real cluster (Application, ApplicationRevision, ResourceTracker, the definition kinds)",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account)",
    )
    .option("--context <name>", "kubeconfig context to use")
    .option("--dry-run", "print the CRDs as YAML instead of applying them")
    .option(
      "--force-conflicts",
      "take over fields another field manager owns (e.g. CRDs of an earlier KubeVela install)",
    )
    .action(async (flags: InstallFlags) => {
      const { install } = await loadController();
      const { ctx } = env;
      const result = await install({
        env: ctx.env,
        dryRun: flags.dryRun === true,
        forceConflicts: flags.forceConflicts === true,
        ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
        ...(flags.context === undefined ? {} : { context: flags.context }),
      });
      if (flags.dryRun === true) {
        printObjects(ctx.stdout, result.crds, "yaml");
        return;
      }
      for (const crd of result.applied)
        ctx.stdout.write(`customresourcedefinition.apiextensions.k8s.io/${crd.name} ${crd.outcome}\n`);
      ctx.stderr.write(`vela-ts CRDs installed on ${result.target ?? "the cluster"}\n`);
    });
}
