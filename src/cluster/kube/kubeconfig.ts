import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { ClusterError } from "../../errors/index.js";
import { closestMatches } from "../../util/index.js";

/**
 * Where a real cluster's connection comes from, as kubectl decides it: `--kubeconfig`, else every file
 * of `KUBECONFIG` merged (first file wins on duplicates), else `~/.kube/config`, else the in-cluster
 * service account. `--context` picks a context other than the current one. Callers pass the values of
 * flags and environment; nothing here reads the environment itself.
 */
export interface KubeTarget {
  /** `--kubeconfig FILE` */
  readonly kubeconfigPath?: string;
  /** The value of `KUBECONFIG` (paths joined by the platform's delimiter). */
  readonly kubeconfigEnv?: string;
  /** `--context NAME` */
  readonly context?: string;
  /** `HOME`, for `~/.kube/config`. */
  readonly homeDir?: string;
  /** `KUBERNETES_SERVICE_HOST`/`_PORT` when running in a pod. */
  readonly inCluster?: { readonly host: string; readonly port: string };
  /** Root of the service-account files (tests). @default "/var/run/secrets/kubernetes.io/serviceaccount" */
  readonly serviceAccountDir?: string;
}

/** A loaded kubeconfig and the facts vela-ts reports in messages. */
export interface LoadedKubeConfig {
  readonly config: KubeConfig;
  readonly contextName: string;
  readonly server: string;
  /** The context's namespace, or `default`. */
  readonly namespace: string;
  /** Where it came from, for messages (`/home/me/.kube/config`, `in-cluster service account`). */
  readonly origin: string;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const KUBECONFIG_HINT = "pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config";

function readConfigFile(file: string): KubeConfig {
  if (!existsSync(file))
    throw new ClusterError("E_KUBECONFIG", `kubeconfig ${file} does not exist`, { hint: KUBECONFIG_HINT });
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (error) {
    throw new ClusterError(
      "E_KUBECONFIG",
      `cannot read kubeconfig ${file}: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`,
      {
        hint: "the file must be a kubeconfig (apiVersion: v1, kind: Config) as kubectl writes it",
        cause: error,
      },
    );
  }
  return config;
}

function mergeFiles(files: readonly string[]): KubeConfig {
  const [first, ...rest] = files;
  const merged = readConfigFile(first ?? "");
  for (const file of rest) {
    if (!existsSync(file)) continue;
    const next = readConfigFile(file);
    // kubectl's merge rule: the first file that sets a name wins; later duplicates are ignored.
    for (const cluster of next.clusters) if (merged.getCluster(cluster.name) === null) merged.addCluster(cluster);
    for (const user of next.users) if (merged.getUser(user.name) === null) merged.addUser(user);
    for (const context of next.contexts) if (merged.getContextObject(context.name) === null) merged.addContext(context);
    if ((merged.currentContext ?? "") === "" && next.currentContext !== "")
      merged.setCurrentContext(next.currentContext);
  }
  return merged;
}

function inClusterConfig(host: string, port: string, dir: string): KubeConfig {
  const tokenFile = join(dir, "token");
  if (!existsSync(tokenFile)) {
    throw new ClusterError("E_KUBECONFIG", `running in a pod but ${tokenFile} is missing`, {
      hint: "mount a service-account token, or pass --kubeconfig",
    });
  }
  const config = new KubeConfig();
  const server = `${port === "80" || port === "8080" ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const namespaceFile = join(dir, "namespace");
  config.loadFromOptions({
    clusters: [{ name: "in-cluster", server, caFile: join(dir, "ca.crt"), skipTLSVerify: false }],
    users: [{ name: "in-cluster", authProvider: { name: "tokenFile", config: { tokenFile } } }],
    contexts: [
      {
        name: "in-cluster",
        cluster: "in-cluster",
        user: "in-cluster",
        namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : "default",
      },
    ],
    currentContext: "in-cluster",
  });
  return config;
}

/**
 * Loads the kubeconfig a {@link KubeTarget} names and selects its context. Throws `E_KUBECONFIG`
 * (exit 1) when there is none, a file cannot be read, or the context is unknown (with close names).
 */
export function loadKubeConfig(target: KubeTarget): LoadedKubeConfig {
  let config: KubeConfig;
  let origin: string;
  const envFiles = (target.kubeconfigEnv ?? "").split(delimiter).filter((file) => file !== "");
  const homeConfig = target.homeDir === undefined ? undefined : join(target.homeDir, ".kube", "config");
  if (target.kubeconfigPath !== undefined && target.kubeconfigPath !== "") {
    config = readConfigFile(target.kubeconfigPath);
    origin = target.kubeconfigPath;
  } else if (envFiles.length > 0) {
    config = mergeFiles(envFiles);
    origin = `KUBECONFIG=${envFiles.join(delimiter)}`;
  } else if (homeConfig !== undefined && existsSync(homeConfig)) {
    config = readConfigFile(homeConfig);
    origin = homeConfig;
  } else if (target.inCluster !== undefined) {
    config = inClusterConfig(
      target.inCluster.host,
      target.inCluster.port,
      target.serviceAccountDir ?? SERVICE_ACCOUNT_DIR,
    );
    origin = "in-cluster service account";
  } else {
    throw new ClusterError("E_KUBECONFIG", "no kubeconfig found", { hint: KUBECONFIG_HINT });
  }
  if (target.context !== undefined && target.context !== "") {
    if (config.getContextObject(target.context) === null) {
      const names = config.getContexts().map((context) => context.name);
      const close = closestMatches(target.context, names);
      throw new ClusterError("E_KUBECONFIG", `context "${target.context}" is not in ${origin}`, {
        hint:
          close.length > 0
            ? `did you mean ${close.map((name) => `"${name}"`).join(", ")}?`
            : `contexts: ${names.join(", ") || "(none)"}`,
      });
    }
    config.setCurrentContext(target.context);
  }
  const contextName = config.getCurrentContext();
  const context = config.getContextObject(contextName);
  const cluster = config.getCurrentCluster();
  if (context === null || cluster === null) {
    throw new ClusterError(
      "E_KUBECONFIG",
      contextName === "" || contextName === undefined
        ? `${origin} has no current context`
        : `context "${contextName}" in ${origin} names no cluster`,
      {
        hint: "pick a context with --context, or run `kubectl config use-context NAME`",
      },
    );
  }
  return {
    config,
    contextName,
    server: cluster.server.replace(/\/+$/, ""),
    namespace: context.namespace ?? "default",
    origin,
  };
}
