import { stringify } from "yaml";

/** What a kubeconfig for the served sandbox holds. */
export interface ServedKubeconfig {
  readonly url: string;
  readonly token: string;
  /** PEM of the server's self-signed certificate (its own CA). */
  readonly caPem: string;
  /** @default "vela-ts-sandbox" */
  readonly name?: string;
  /** @default "default" */
  readonly namespace?: string;
}

/** A kubeconfig (YAML) with one cluster, one token user and one current context for the served sandbox. */
export function renderKubeconfig(config: ServedKubeconfig): string {
  const name = config.name ?? "vela-ts-sandbox";
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [
      {
        name,
        cluster: {
          server: config.url,
          "certificate-authority-data": Buffer.from(config.caPem, "utf8").toString("base64"),
        },
      },
    ],
    users: [{ name, user: { token: config.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: config.namespace ?? "default" } }],
    "current-context": name,
  });
}
