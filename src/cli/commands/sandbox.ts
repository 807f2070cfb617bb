import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import type { SandboxCommandOptions } from "../../operations/sandbox.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { OUTPUT_HELP, parseOutputSpec, printResult, type Printable } from "../printers/printer.js";
import { formatTable } from "../printers/table.js";
import { readInputText } from "../input-file.js";
import { registerSandboxTraffic } from "./sandbox-traffic.js";
import { registerSandboxServe } from "./serve.js";
import { loadController } from "../lazy-controller.js";

interface SandboxFlags {
  readonly sandbox?: string;
}

function commandOptions(env: CommandEnv, flags: SandboxFlags, command: string): SandboxCommandOptions {
  const fromEnv = env.ctx.env["VELA_TS_SANDBOX"];
  return {
    cwd: env.ctx.cwd,
    clock: env.ctx.clock,
    command,
    ...(flags.sandbox === undefined ? {} : { sandboxDir: flags.sandbox }),
    ...(fromEnv === undefined || fromEnv === "" ? {} : { sandboxEnv: fromEnv }),
  };
}

function printWarnings(env: CommandEnv, warnings: readonly string[]): void {
  for (const warning of warnings) env.ctx.stderr.write(`warning: ${warning}\n`);
}

async function readInput(env: CommandEnv, file: string): Promise<{ readonly text: string; readonly name: string }> {
  const input = await readInputText(env.ctx, file, "give a YAML file with -f FILE, or -f - to read standard input");
  return { text: input.text, name: input.file };
}

const SANDBOX_OPTION = ["--sandbox <dir>", "sandbox directory (default: $VELA_TS_SANDBOX, else ./.vela-ts)"] as const;

/** `vela-ts sandbox …`: the embedded cluster. */
export function registerSandbox(program: Command, env: CommandEnv): void {
  const sandbox = program
    .command("sandbox")
    .description(
      "work with the embedded sandbox cluster (a simulator of Kubernetes and the controllers vela-ts drives)",
    );

  const apply = sandbox
    .command("apply")
    .description(
      "create or update objects from YAML, as kubectl apply --server-side does, then let the controllers settle",
    )
    .requiredOption("-f, --filename <file>", "YAML file with one or more objects (- reads standard input)")
    .option("--field-manager <name>", "field manager recorded as the owner of the applied fields", "sandbox-apply")
    .option("--force-conflicts", "take over fields another field manager owns")
    .option(...SANDBOX_OPTION);
  examples(apply, [
    [
      "create or update the objects of a file (a Deployment and its Service)",
      "vela-ts sandbox apply -f examples/objects/web.yaml",
    ],
  ]);
  apply.action(
    async (
      flags: SandboxFlags & {
        readonly filename: string;
        readonly fieldManager: string;
        readonly forceConflicts?: boolean;
      },
    ) => {
      const { sandboxApply } = await loadController();
      const input = await readInput(env, flags.filename);
      const result = await sandboxApply({
        ...commandOptions(env, flags, `vela-ts sandbox apply -f ${flags.filename}`),
        text: input.text,
        file: input.name,
        fieldManager: flags.fieldManager,
        forceConflicts: flags.forceConflicts === true,
      });
      env.ctx.stdout.write(result.applied.map((object) => `${object.name} ${object.outcome}\n`).join(""));
      printWarnings(env, result.warnings);
    },
  );

  const get = sandbox
    .command("get")
    .description("list or show objects, as kubectl get does (resource names: pods, deploy, rollouts, ing, svc, hr, …)")
    .argument(
      "<resource>",
      "resource type: plural, singular, short name or kind, optionally with its group (rollouts.rollouts.kruise.io)",
    )
    .argument("[name]", "one object's name")
    .option("-n, --namespace <ns>", "namespace", "default")
    .option("-A, --all-namespaces", "list across all namespaces")
    .option("-l, --selector <selector>", "label selector (app=web,tier!=db,env in (a,b),!canary)")
    .option("-o, --output <format>", `${OUTPUT_HELP} (default: a table)`)
    .option("--show-managed-fields", "keep metadata.managedFields in yaml/json output")
    .option(...SANDBOX_OPTION);
  examples(get, [
    ["the pods, as kubectl get pods lists them", "vela-ts sandbox get pods"],
    ["every Deployment and its images", "vela-ts sandbox get deploy -A -o wide"],
    ["one Rollout, whole", "vela-ts sandbox get rollout demo-app -o yaml"],
    [
      "pod names and the image each runs",
      "vela-ts sandbox get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image",
    ],
    [
      "the canary step a Rollout is at",
      "vela-ts sandbox get rollout demo-app -o jsonpath='{.status.canaryStatus.currentStepIndex}'",
    ],
  ]);
  get.action(
    async (
      resource: string,
      name: string | undefined,
      flags: SandboxFlags & {
        readonly namespace: string;
        readonly allNamespaces?: boolean;
        readonly selector?: string;
        readonly output?: string;
        readonly showManagedFields?: boolean;
      },
    ) => {
      const { sandboxGet } = await loadController();
      const output = await parseOutputSpec(flags.output, env.ctx);
      if (name !== undefined && flags.allNamespaces === true)
        throw new UsageError("a NAME and --all-namespaces cannot be used together", {
          hint: "drop -A, or drop the NAME to list",
        });
      if (name !== undefined && flags.selector !== undefined)
        throw new UsageError("a NAME and --selector cannot be used together", {
          hint: "drop -l, or drop the NAME to list",
        });
      const result = await sandboxGet({
        ...commandOptions(env, flags, `vela-ts sandbox get ${resource}`),
        resource,
        namespace: flags.namespace,
        allNamespaces: flags.allNamespaces === true,
        wide: output.kind === "wide",
        showManagedFields: flags.showManagedFields === true,
        ...(name === undefined ? {} : { name }),
        ...(flags.selector === undefined ? {} : { labelSelector: flags.selector }),
      });
      printWarnings(env, result.warnings);
      const resourceName =
        result.resource.group === ""
          ? result.resource.singular
          : `${result.resource.singular}.${result.resource.group}`;
      const printable: Printable = {
        data: result.object !== undefined ? { object: result.object } : { items: result.objects },
        names: () => result.objects.map((object) => `${resourceName}/${object.metadata.name ?? ""}`),
        human: () => formatTable(result.table.headers, result.table.rows),
        ...(result.emptyMessage === undefined ? {} : { emptyMessage: result.emptyMessage }),
      };
      printResult(env.ctx.stdout, env.ctx.stderr, output, printable, env.stdoutStyle);
    },
  );

  const remove = sandbox
    .command("delete")
    .description("delete an object (and, by ownerReference, its dependents), then let the controllers settle")
    .argument("<resource>", "resource type (deploy, svc, rollouts, …)")
    .argument("<name>", "the object's name")
    .option("-n, --namespace <ns>", "namespace", "default")
    .option("--cascade <policy>", "background, foreground or orphan (keep dependents)", "background")
    .option(...SANDBOX_OPTION);
  examples(remove, [
    ["delete a Deployment and, by ownerReference, its ReplicaSets and Pods", "vela-ts sandbox delete deploy web"],
  ]);
  remove.action(
    async (
      resource: string,
      name: string,
      flags: SandboxFlags & { readonly namespace: string; readonly cascade: string },
    ) => {
      const { sandboxDelete } = await loadController();
      const cascade = flags.cascade;
      if (cascade !== "background" && cascade !== "foreground" && cascade !== "orphan") {
        throw new UsageError(`unknown --cascade "${cascade}"`, {
          hint: "use --cascade background, foreground or orphan",
        });
      }
      const result = await sandboxDelete({
        ...commandOptions(env, flags, `vela-ts sandbox delete ${resource} ${name}`),
        resource,
        name,
        namespace: flags.namespace,
        cascade,
      });
      env.ctx.stdout.write(`${result.message}\n`);
      printWarnings(env, result.warnings);
    },
  );

  const reset = sandbox
    .command("reset")
    .description("delete every object in the sandbox (its settings and chart mirrors stay)")
    .option("--yes", "confirm: this cannot be undone")
    .option(...SANDBOX_OPTION);
  examples(reset, [["start again from an empty sandbox", "vela-ts sandbox reset --yes"]]);
  reset.action(async (flags: SandboxFlags & { readonly yes?: boolean }) => {
    const { sandboxReset } = await loadController();
    if (flags.yes !== true)
      throw new UsageError("sandbox reset deletes every object in the sandbox", {
        hint: "run `vela-ts sandbox reset --yes` to confirm",
      });
    const result = await sandboxReset(commandOptions(env, flags, "vela-ts sandbox reset"));
    env.ctx.stdout.write(
      `sandbox ${result.dir} reset: ${result.deleted} object${result.deleted === 1 ? "" : "s"} deleted\n`,
    );
  });

  const repair = sandbox
    .command("repair")
    .description(
      "recover a damaged sandbox: keep every object and write that still verifies, list what is lost (the damaged files are backed up first)",
    )
    .option("--dry-run", "only report what is damaged and what would be kept")
    .option(...SANDBOX_OPTION);
  examples(repair, [
    ["see what a repair would keep and lose, changing nothing", "vela-ts sandbox repair --dry-run"],
    ["repair (the damaged files are backed up first)", "vela-ts sandbox repair"],
  ]);
  repair.action(async (flags: SandboxFlags & { readonly dryRun?: boolean }) => {
    const { sandboxRepair } = await loadController();
    const report = await sandboxRepair({
      ...commandOptions(env, flags, "vela-ts sandbox repair"),
      ...(flags.dryRun === true ? { dryRun: true } : {}),
    });
    const out = env.ctx.stdout;
    if (report.intact) {
      out.write(
        `sandbox ${report.dir} is intact: ${report.objects} objects at resourceVersion ${report.resourceVersion}, nothing to repair\n`,
      );
      for (const note of report.problems) out.write(`note: ${note}\n`);
      return;
    }
    out.write(`sandbox ${report.dir} is damaged:\n`);
    for (const problem of report.problems) out.write(`  - ${problem}\n`);
    out.write(
      report.lost.length === 0
        ? "nothing acknowledged is lost\n"
        : `lost (could not be recovered):\n${report.lost.map((line) => `  - ${line}\n`).join("")}`,
    );
    if (report.dryRun) {
      out.write(
        `a repair would keep ${report.objects} objects at resourceVersion ${report.resourceVersion}; run without --dry-run to do it\n`,
      );
      return;
    }
    out.write(`repaired: ${report.objects} objects at resourceVersion ${report.resourceVersion}\n`);
    out.write(`the damaged files were copied to ${report.backupDir ?? ""}\n`);
  });

  registerSandboxTraffic(sandbox, env);
  registerSandboxServe(sandbox, env);
}
