import type { Command } from "commander";
import type { CommandEnv } from "../command.js";
import { UsageError } from "../../errors/index.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { yamlStream } from "../printers/objects.js";
import { kubeconfigPath } from "../target-flags.js";

interface InstallFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly dryRun?: boolean;
  readonly forceConflicts?: boolean;
}

/** `vela-ts install`: the KubeVela-compatible CRDs vela-ts keeps its state in, on a real cluster. */
export function registerInstall(program: Command, env: CommandEnv): void {
  const install = program
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
    );
  examples(install, [
    ["the CRDs, as YAML, without touching a cluster", "vela-ts install --dry-run"],
    ["apply them to the cluster of a kubeconfig", "vela-ts install --kubeconfig sandbox.kubeconfig"],
  ]);
  install.action(async (flags: InstallFlags) => {
    const { install } = await loadController();
    const { ctx } = env;
    const result = await install({
      env: ctx.env,
      dryRun: flags.dryRun === true,
      forceConflicts: flags.forceConflicts === true,
      ...(flags.kubeconfig === undefined ? {} : { kubeconfig: kubeconfigPath(flags.kubeconfig, ctx) ?? "" }),
      ...(flags.context === undefined ? {} : { context: flags.context }),
    });
    if (flags.dryRun === true) {
      ctx.stdout.write(yamlStream(result.crds));
      return;
    }
    for (const crd of result.applied)
      ctx.stdout.write(`customresourcedefinition.apiextensions.k8s.io/${crd.name} ${crd.outcome}\n`);
    ctx.stderr.write(`vela-ts CRDs installed on ${result.target ?? "the cluster"}\n`);
  });
}

interface UninstallFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly yes?: boolean;
}

/** `vela-ts uninstall`: the inverse of `install`, on a real cluster. */
export function registerUninstall(program: Command, env: CommandEnv): void {
  const uninstall = program
    .command("uninstall")
    .description(
      "delete the CRDs vela-ts install applied (refused while Applications exist; CRDs other managers share are kept)",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account)",
    )
    .option("--context <name>", "kubeconfig context to use")
    .option("--dry-run", "say what would be deleted, delete nothing")
    .option("--force", "delete even though Applications exist, and CRDs other field managers share")
    .option("-y, --yes", "confirm: deleting a CRD deletes every object of its kind");
  examples(uninstall, [
    ["what would be deleted", "vela-ts uninstall --kubeconfig sandbox.kubeconfig --dry-run"],
    [
      "delete the CRDs (after vela-ts delete of every application)",
      "vela-ts uninstall --kubeconfig sandbox.kubeconfig --yes",
    ],
  ]);
  uninstall.action(async (flags: UninstallFlags) => {
    const { uninstall: run } = await loadController();
    const { ctx } = env;
    if (flags.yes !== true && flags.dryRun !== true)
      throw new UsageError("uninstall deletes the vela-ts CRDs and with them every object of their kinds", {
        hint: "run `vela-ts uninstall --yes` to confirm, or --dry-run to see what it would delete",
      });
    const result = await run({
      env: ctx.env,
      dryRun: flags.dryRun === true,
      force: flags.force === true,
      ...(flags.kubeconfig === undefined ? {} : { kubeconfig: kubeconfigPath(flags.kubeconfig, ctx) ?? "" }),
      ...(flags.context === undefined ? {} : { context: flags.context }),
    });
    const dry = flags.dryRun === true ? " (dry run)" : "";
    for (const crd of result.crds) {
      const name = `customresourcedefinition.apiextensions.k8s.io/${crd.name}`;
      if (crd.outcome === "kept") ctx.stderr.write(`${name} kept: ${crd.reason ?? ""}; --force deletes it\n`);
      else ctx.stdout.write(`${name} ${crd.outcome}${crd.outcome === "deleted" ? dry : ""}\n`);
    }
    if (result.applications.length > 0)
      ctx.stderr.write(`warning: ${result.applications.length} application(s) were deleted with their CRD${dry}\n`);
    ctx.stderr.write(`vela-ts CRDs ${flags.dryRun === true ? "would be " : ""}uninstalled from ${result.target}\n`);
  });
}
