/** The addons a new sandbox starts with (DESIGN §7: "a new sandbox starts with the bundled addons enabled"). */
export const DEFAULT_SANDBOX_ADDONS: readonly string[] = ["fluxcd", "kruise-rollout", "ingress-nginx", "istio"];

/** Version of the on-disk layout; a sandbox written by a newer layout is refused, not misread. */
export const SANDBOX_FORMAT_VERSION = 1;

/** `sandbox.json`: what a sandbox directory is, beside its objects. */
export interface SandboxMetadata {
  readonly format: number;
  /** Seed of uids, generateName suffixes and the controllers' random source. */
  readonly seed: string;
  readonly enabledAddons: readonly string[];
  readonly createdAt: string;
}
