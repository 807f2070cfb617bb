/** Flux API groups and versions the simulated controllers serve (`fluxcd/source-controller`, `fluxcd/helm-controller`). */
export const HELM_REPOSITORY_VERSIONS = [
  "source.toolkit.fluxcd.io/v1",
  "source.toolkit.fluxcd.io/v1beta2",
  "source.toolkit.fluxcd.io/v1beta1",
];
export const HELM_CHART_API = "source.toolkit.fluxcd.io/v1";
export const HELM_RELEASE_VERSIONS = [
  "helm.toolkit.fluxcd.io/v2",
  "helm.toolkit.fluxcd.io/v2beta2",
  "helm.toolkit.fluxcd.io/v2beta1",
];
/** Labels helm-controller puts on every object of a release. */
export const HELM_RELEASE_NAME_LABEL = "helm.toolkit.fluxcd.io/name";
export const HELM_RELEASE_NAMESPACE_LABEL = "helm.toolkit.fluxcd.io/namespace";
/** The field manager helm-controller writes with. */
export const HELM_CONTROLLER_MANAGER = "helm-controller";
/** The in-cluster address source-controller serves artifacts from. */
export const SOURCE_CONTROLLER_HOST = "http://source-controller.flux-system.svc.cluster.local.";
