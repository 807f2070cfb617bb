import { existsSync, readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { VelaError } from "../../errors/index.js";
import { loadKubeConfig, type LoadedKubeConfig } from "./kubeconfig.js";

/**
 * A member cluster's connection as KubeVela's cluster gateway stores it (a Secret in `vela-system`):
 * the API server, its CA, and one credential — an X.509 client certificate and key, or a bearer
 * token. `vela cluster join` reads these out of a kubeconfig context; nothing else (exec or
 * auth-provider plugins, basic auth) can be stored that way, so such a context is refused.
 */
export interface MemberCredentials {
  /** The API server URL. */
  readonly server: string;
  /** The CA bundle (base64 of the PEM, as `certificate-authority-data`); absent: the server's certificate is not verified. */
  readonly caData?: string;
  readonly credential:
    | { readonly type: "X509Certificate"; readonly certData: string; readonly keyData: string }
    | { readonly type: "ServiceAccountToken"; readonly token: string };
}

function base64OfFile(file: string, what: string, kubeconfig: string): string {
  if (!existsSync(file))
    throw new VelaError("E_CLUSTER_JOIN", `kubeconfig ${kubeconfig}: the ${what} file ${file} does not exist`, {
      hint: "fix the path in the kubeconfig, or embed the data (kubectl config view --flatten --minify)",
    });
  return readFileSync(file).toString("base64");
}

function refusal(kubeconfig: string, context: string, how: string): VelaError {
  return new VelaError(
    "E_CLUSTER_JOIN",
    `kubeconfig ${kubeconfig}: context "${context}" authenticates with ${how}, which a cluster Secret cannot hold`,
    {
      hint:
        "KubeVela stores a member's credentials as an X.509 client certificate or a bearer token: use a context " +
        "with client-certificate-data/client-key-data or a token (e.g. a service account's: kubectl create token NAME)",
    },
  );
}

/**
 * Reads the server, CA and credential of a kubeconfig's context (the current one unless `context`
 * is given), with files the kubeconfig names read and embedded. Throws `E_KUBECONFIG` for a file or
 * context that is not there, `E_CLUSTER_JOIN` (naming the file and context) for a context whose user
 * has no certificate or token, or authenticates with a plugin or a password.
 */
export function readMemberCredentials(kubeconfig: string, context?: string): MemberCredentials {
  if (!existsSync(kubeconfig))
    throw new VelaError("E_CLUSTER_JOIN", `kubeconfig ${kubeconfig} does not exist`, {
      hint: "give the kubeconfig file of the member cluster (--member-kubeconfig FILE)",
    });
  const loaded = loadKubeConfig({ kubeconfigPath: kubeconfig, ...(context === undefined ? {} : { context }) });
  const cluster = loaded.config.getCurrentCluster();
  const user = loaded.config.getCurrentUser();
  if (cluster === null)
    throw new VelaError(
      "E_CLUSTER_JOIN",
      `kubeconfig ${kubeconfig}: context "${loaded.contextName}" names no cluster`,
      {
        hint: "pick another context with --member-context",
      },
    );
  const name = loaded.contextName;
  if (user?.exec !== undefined && user.exec !== null) throw refusal(kubeconfig, name, "an exec plugin");
  if (user?.authProvider !== undefined && user.authProvider !== null) {
    const plugin = (user.authProvider as { name?: unknown }).name;
    throw refusal(kubeconfig, name, `the auth-provider plugin "${typeof plugin === "string" ? plugin : "?"}"`);
  }
  if (user?.password !== undefined && user.password !== "") throw refusal(kubeconfig, name, "a user name and password");
  const caData =
    cluster.skipTLSVerify === true
      ? undefined
      : (cluster.caData ?? (cluster.caFile === undefined ? undefined : base64OfFile(cluster.caFile, "CA", kubeconfig)));
  const server = loaded.server;
  const token = user?.token;
  if (token !== undefined && token !== "")
    return { server, ...(caData === undefined ? {} : { caData }), credential: { type: "ServiceAccountToken", token } };
  const certData =
    user?.certData ??
    (user?.certFile === undefined ? undefined : base64OfFile(user.certFile, "client certificate", kubeconfig));
  const keyData =
    user?.keyData ?? (user?.keyFile === undefined ? undefined : base64OfFile(user.keyFile, "client key", kubeconfig));
  if (certData === undefined || keyData === undefined)
    throw new VelaError(
      "E_CLUSTER_JOIN",
      `kubeconfig ${kubeconfig}: context "${name}" has neither a token nor a client certificate and key`,
      { hint: "use a context whose user has a token, or client-certificate-data and client-key-data" },
    );
  return {
    server,
    ...(caData === undefined ? {} : { caData }),
    credential: { type: "X509Certificate", certData, keyData },
  };
}

/** A kubeconfig of one context built from stored credentials, named after the member cluster. */
export function memberKubeConfig(clusterName: string, credentials: MemberCredentials): LoadedKubeConfig {
  const config = new KubeConfig();
  const { credential } = credentials;
  config.loadFromOptions({
    clusters: [
      {
        name: clusterName,
        server: credentials.server,
        ...(credentials.caData === undefined
          ? { skipTLSVerify: true }
          : { caData: credentials.caData, skipTLSVerify: false }),
      },
    ],
    users: [
      credential.type === "ServiceAccountToken"
        ? { name: clusterName, token: credential.token }
        : { name: clusterName, certData: credential.certData, keyData: credential.keyData },
    ],
    contexts: [{ name: clusterName, cluster: clusterName, user: clusterName }],
    currentContext: clusterName,
  });
  return {
    config,
    contextName: clusterName,
    server: credentials.server.replace(/\/+$/, ""),
    namespace: "default",
    origin: `the cluster Secret vela-system/${clusterName}`,
  };
}
