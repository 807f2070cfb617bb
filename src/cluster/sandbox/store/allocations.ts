import type { KubeObject } from "../../../model/kube-object.js";

/**
 * The values an object holds exclusively in the cluster, as the API server's allocators record them
 * (kube-apiserver keeps them as bitmaps in `RangeAllocation` objects, `/registry/ranges/serviceips`
 * and `/registry/ranges/servicenodeports`): a Service's cluster IPs (`clusterIP/10.96.0.12`) and node
 * ports (`nodePort/30080`). The store indexes them, so allocating one never lists every Service.
 */
export function allocationsOf(object: KubeObject): readonly string[] | undefined {
  if (object.apiVersion !== "v1" || object.kind !== "Service") return undefined;
  const spec = object.spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return undefined;
  const found = new Set<string>();
  const { clusterIP, clusterIPs, ports } = spec as Record<string, unknown>;
  for (const address of [clusterIP, ...(Array.isArray(clusterIPs) ? (clusterIPs as unknown[]) : [])])
    if (typeof address === "string" && address !== "" && address !== "None") found.add(clusterIpAllocation(address));
  if (Array.isArray(ports))
    for (const port of ports as unknown[]) {
      const nodePort =
        typeof port === "object" && port !== null ? (port as { nodePort?: unknown }).nodePort : undefined;
      if (typeof nodePort === "number") found.add(nodePortAllocation(nodePort));
    }
  return found.size === 0 ? undefined : [...found].sort();
}

/** The allocation a Service's cluster IP `address` holds. */
export function clusterIpAllocation(address: string): string {
  return `clusterIP/${address}`;
}

/** The allocation a Service's node port holds. */
export function nodePortAllocation(port: number): string {
  return `nodePort/${port}`;
}
