/**
 * The lists Kubernetes merges item by item (`patchStrategy: merge` with a `+patchMergeKey` in
 * k8s.io/api), by field name, with their merge key candidates: the one table behind trait patches
 * (`merge` strategy) and the sandbox API's strategic merge patches. `ports` keys on `containerPort`
 * in a container and on `port` in a Service; `finalizers` (no key) is a set of strings.
 */
export const STRATEGIC_MERGE_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ["name"],
  initContainers: ["name"],
  ephemeralContainers: ["name"],
  env: ["name"],
  volumes: ["name"],
  imagePullSecrets: ["name"],
  volumeMounts: ["mountPath"],
  volumeDevices: ["devicePath"],
  ports: ["containerPort", "port"],
  ownerReferences: ["uid"],
  conditions: ["type"],
  hostAliases: ["ip"],
  finalizers: [],
};
