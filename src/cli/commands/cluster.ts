import type { Command } from "commander";
import type { ClusterView } from "../../operations/index.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { formatTable } from "../printers/table.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";

interface JoinFlags extends TargetFlags {
  readonly memberSandbox?: string;
  readonly memberKubeconfig?: string;
  readonly memberContext?: string;
  readonly labels?: string[];
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

/** The `cluster list` table (KubeVela's `vela cluster list` columns). */
export function formatClusterTable(clusters: readonly ClusterView[]): string {
  return formatTable(
    ["CLUSTER", "TYPE", "ENDPOINT", "LABELS"],
    clusters.map((cluster) => [cluster.name, cluster.type, cluster.endpoint, labelText(cluster.labels)]),
  );
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `vela-ts cluster list|join|detach|labels add|labels del`: the hub's member clusters. */
export function registerCluster(program: Command, env: CommandEnv): void {
  const cluster = program
    .command("cluster")
    .description("member clusters a topology policy deploys to (local is the hub): list, join, detach, labels");

  const list = addTargetFlags(cluster.command("list").alias("ls").description("list the hub and its member clusters"));
  examples(list, [["the clusters a topology can select", "vela-ts cluster list"]]);
  list.action(async (flags: TargetFlags) => {
    const { listClusters } = await loadController();
    const result = await listClusters(targetOptions(flags, env.ctx, "vela-ts cluster list"));
    env.ctx.stdout.write(formatClusterTable(result.clusters));
  });

  const join = addTargetFlags(
    cluster
      .command("join <name>")
      .description("join a member cluster: another sandbox directory (created when missing) or a kubeconfig context")
      .option("--member-sandbox <dir>", "the member's sandbox directory (default: <sandbox>.members/<name>)")
      .option(
        "--member-kubeconfig <file>",
        "join the real cluster of this kubeconfig instead (its server, CA and certificate or token are stored on the hub)",
      )
      .option("--member-context <name>", "with --member-kubeconfig: the context to use")
      .option("--labels <key=value,...>", "the cluster's labels (repeatable)", collect),
  );
  // Joining a given sandbox directory or a kubeconfig context: docs/multi-cluster.md.
  examples(join, [
    ["a simulated member cluster with its own objects and controllers", "vela-ts cluster join prod --labels env=prod"],
  ]);
  join.action(async (name: string, flags: JoinFlags) => {
    const { joinCluster, parseClusterLabels } = await loadController();
    const joined = await joinCluster({
      ...targetOptions(flags, env.ctx, "vela-ts cluster join"),
      name,
      ...(flags.memberSandbox === undefined ? {} : { memberSandbox: flags.memberSandbox }),
      ...(flags.memberKubeconfig === undefined ? {} : { memberKubeconfig: flags.memberKubeconfig }),
      ...(flags.memberContext === undefined ? {} : { memberContext: flags.memberContext }),
      labels: parseClusterLabels(flags.labels ?? []),
    });
    env.ctx.stdout.write(`cluster ${joined.name} joined (${joined.type} ${joined.endpoint})\n`);
  });

  const detach = addTargetFlags(
    cluster.command("detach <name>").description("forget a member cluster no application uses any more"),
  );
  examples(detach, [["forget the prod cluster", "vela-ts cluster detach prod"]]);
  detach.action(async (name: string, flags: TargetFlags) => {
    const { detachCluster } = await loadController();
    const detached = await detachCluster({ ...targetOptions(flags, env.ctx, "vela-ts cluster detach"), name });
    env.ctx.stdout.write(`cluster ${detached.name} detached (${detached.endpoint} is left as it is)\n`);
  });

  const labels = cluster.command("labels").description("add or remove a member cluster's labels");
  const add = addTargetFlags(labels.command("add <name> <labels...>").description("add or change labels (key=value)"));
  examples(add, [["label prod for clusterLabelSelector", "vela-ts cluster labels add prod region=eu env=prod"]]);
  add.action(async (name: string, pairs: string[], flags: TargetFlags) => {
    const { editClusterLabels, parseClusterLabels } = await loadController();
    const updated = await editClusterLabels({
      ...targetOptions(flags, env.ctx, "vela-ts cluster labels add"),
      name,
      add: parseClusterLabels(pairs),
    });
    env.ctx.stdout.write(`cluster ${updated.name} labels: ${labelText(updated.labels) || "none"}\n`);
  });
  const del = addTargetFlags(labels.command("del <name> <keys...>").description("remove labels by key"));
  examples(del, [["drop the region label", "vela-ts cluster labels del prod region"]]);
  del.action(async (name: string, keys: string[], flags: TargetFlags) => {
    const { editClusterLabels } = await loadController();
    const updated = await editClusterLabels({
      ...targetOptions(flags, env.ctx, "vela-ts cluster labels del"),
      name,
      remove: keys,
    });
    env.ctx.stdout.write(`cluster ${updated.name} labels: ${labelText(updated.labels) || "none"}\n`);
  });
}
