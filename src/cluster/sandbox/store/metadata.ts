/** The addons a new sandbox starts with (DESIGN §7: "a new sandbox starts with the bundled addons enabled"). */
export const DEFAULT_SANDBOX_ADDONS: readonly string[] = [
  "fluxcd",
  "kruise-rollout",
  "argo-rollouts",
  "ingress-nginx",
  "istio",
];

/** Version of the on-disk layout; a sandbox written by a newer layout is refused, not misread. */
export const SANDBOX_FORMAT_VERSION = 1;

/** `sandbox.json`: what a sandbox directory is, beside its objects. */
export interface SandboxMetadata {
  readonly format: number;
  /** Seed of uids, generateName suffixes and the controllers' random source. */
  readonly seed: string;
  readonly enabledAddons: readonly string[];
  readonly createdAt: string;
  /**
   * Whether the objects the enabled addons install (their Definition objects) are in the store:
   * set once they are, cleared by a reset so the next command installs them again. Absent in
   * sandboxes of earlier versions, which then get them on their next command.
   */
  readonly addonObjectsInstalled?: boolean;
}
