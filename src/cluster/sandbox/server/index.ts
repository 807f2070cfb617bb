export { startSandboxServer, type SandboxServer, type SandboxServerOptions } from "./server.js";
export type { ServedCluster } from "./handler.js";
export { createServingCertificate, type ServingCertificate } from "./tls.js";
export { renderKubeconfig, type ServedKubeconfig } from "./kubeconfig.js";
export { strategicMerge } from "./strategic-merge.js";
