import { kubeTargetOf } from "./kube-target.js";
import { targetsKube, type TargetOptions } from "./target.js";

/**
 * The namespace a command acts in when `-n` is not given, as kubectl decides it: on a real cluster the
 * current (or `--context`) context's namespace, else `default`; on the sandbox `default`. Reads the
 * kubeconfig only (no request): a missing or broken kubeconfig is the `E_KUBECONFIG` opening the
 * cluster would give.
 */
export async function defaultNamespace(
  options: Pick<TargetOptions, "kubeconfig" | "context" | "cluster" | "env">,
): Promise<string> {
  if (!targetsKube(options)) return "default";
  const { loadKubeConfig } = await import("../cluster/kube/index.js");
  const loaded = loadKubeConfig(
    kubeTargetOf({
      env: options.env ?? {},
      ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
      ...(options.context === undefined ? {} : { context: options.context }),
    }),
  );
  return loaded.namespace;
}
