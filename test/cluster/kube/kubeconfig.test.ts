import { mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadKubeConfig, type KubeTarget } from "../../../src/cluster/kube/index.js";
import { openKubeTarget } from "../../../src/target/kube-target.js";
import { ClusterError } from "../../../src/errors/index.js";
import { tempDir } from "../../support/cli.js";

function kubeconfig(name: string, server: string, namespace?: string, current = name): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name, user: { token: `${name}-token` } }],
    contexts: [{ name, context: { cluster: name, user: name, ...(namespace === undefined ? {} : { namespace }) } }],
    "current-context": current,
  });
}

const dir = tempDir("vela-ts-kubeconfig-");
const first = join(dir, "first.yaml");
const second = join(dir, "second.yaml");
writeFileSync(first, kubeconfig("prod", "https://prod.example:6443", "shop"));
writeFileSync(second, kubeconfig("staging", "https://staging.example:6443/", undefined, ""));
const home = join(dir, "home");
mkdirSync(join(home, ".kube"), { recursive: true });
writeFileSync(join(home, ".kube", "config"), kubeconfig("home", "https://home.example"));
const serviceAccount = join(dir, "sa");
mkdirSync(serviceAccount);
writeFileSync(join(serviceAccount, "token"), "sa-token");
writeFileSync(join(serviceAccount, "namespace"), "vela-system\n");

describe("loadKubeConfig", () => {
  it.each<{ name: string; target: KubeTarget; want: { contextName: string; server: string; namespace: string } }>([
    {
      name: "--kubeconfig wins over KUBECONFIG and HOME",
      target: { kubeconfigPath: first, kubeconfigEnv: second, homeDir: home, context: "prod" },
      want: { contextName: "prod", server: "https://prod.example:6443", namespace: "shop" },
    },
    {
      name: "KUBECONFIG with several files: first file's current context",
      target: { kubeconfigEnv: [first, second].join(delimiter), homeDir: home },
      want: { contextName: "prod", server: "https://prod.example:6443", namespace: "shop" },
    },
    {
      name: "--context picks a context from a later KUBECONFIG file",
      target: { kubeconfigEnv: [first, second].join(delimiter), context: "staging" },
      want: { contextName: "staging", server: "https://staging.example:6443", namespace: "default" },
    },
    {
      name: "~/.kube/config when nothing else is given",
      target: { homeDir: home },
      want: { contextName: "home", server: "https://home.example", namespace: "default" },
    },
    {
      name: "in-cluster service account last",
      target: {
        homeDir: join(dir, "nowhere"),
        inCluster: { host: "10.0.0.1", port: "443" },
        serviceAccountDir: serviceAccount,
      },
      want: { contextName: "in-cluster", server: "https://10.0.0.1:443", namespace: "vela-system" },
    },
  ])("$name", ({ target, want }) => {
    const loaded = loadKubeConfig(target);
    expect({ contextName: loaded.contextName, server: loaded.server, namespace: loaded.namespace }).toEqual(want);
  });

  it.each([
    {
      name: "a kubeconfig without a current context",
      target: { kubeconfigPath: second, kubeconfigEnv: first },
      message: `${second} has no current context`,
      hint: "pick a context with --context, or run `kubectl config use-context NAME`",
    },
    {
      name: "unknown context, with a suggestion",
      target: { kubeconfigPath: first, context: "prd" },
      message: `context "prd" is not in ${first}`,
      hint: 'did you mean "prod"?',
    },
    {
      name: "missing file",
      target: { kubeconfigPath: join(dir, "missing.yaml") },
      message: `kubeconfig ${join(dir, "missing.yaml")} does not exist`,
      hint: "pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config",
    },
    {
      name: "nothing configured",
      target: { homeDir: join(dir, "nowhere") },
      message: "no kubeconfig found",
      hint: "pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config",
    },
  ])("E_KUBECONFIG: $name", ({ target, message, hint }) => {
    try {
      loadKubeConfig(target);
      throw new Error("expected an error");
    } catch (error) {
      expect(error).toBeInstanceOf(ClusterError);
      expect(error).toMatchObject({ code: "E_KUBECONFIG", message, hint, category: "input" });
    }
  });

  it("openKubeTarget reads KUBECONFIG, HOME and the in-cluster variables from the env it is given", async () => {
    const cluster = await openKubeTarget({
      context: "staging",
      env: { KUBECONFIG: [first, second].join(delimiter), HOME: home },
    });
    expect({ context: cluster.contextName, server: cluster.server, namespace: cluster.namespace }).toEqual({
      context: "staging",
      server: "https://staging.example:6443",
      namespace: "default",
    });
    cluster.close();
  });
});
