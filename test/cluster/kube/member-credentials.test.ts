import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { memberKubeConfig, readMemberCredentials } from "../../../src/cluster/kube/member-credentials.js";
import { VelaError } from "../../../src/errors/index.js";
import { tempDir } from "../../support/cli.js";

const CA_PEM = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const CERT_PEM = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
const KEY_PEM = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";
const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** A kubeconfig with contexts `admin` (the current one) and `other`, each with the given user. */
function kubeconfigFile(
  users: Record<string, Record<string, unknown>>,
  cluster: Record<string, unknown> = { "certificate-authority-data": b64(CA_PEM) },
): string {
  const dir = tempDir("vela-ts-member-creds-");
  const file = join(dir, "kubeconfig");
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "eu", cluster: { server: "https://eu.example.com:6443/", ...cluster } }],
      users: Object.entries(users).map(([name, user]) => ({ name, user })),
      contexts: Object.keys(users).map((name) => ({ name, context: { cluster: "eu", user: name } })),
      "current-context": Object.keys(users)[0],
    }),
  );
  return file;
}

function refusal(run: () => unknown): VelaError {
  try {
    run();
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
  throw new Error("expected a VelaError");
}

describe("what a member's kubeconfig context stores", () => {
  it("a token context: the server, the CA and the token", () => {
    const file = kubeconfigFile({ admin: { token: "t0k" } });
    expect(readMemberCredentials(file)).toEqual({
      server: "https://eu.example.com:6443",
      caData: b64(CA_PEM),
      credential: { type: "ServiceAccountToken", token: "t0k" },
    });
  });

  it("a client-certificate context named by --member-context, with its files read and embedded", () => {
    const dir = tempDir("vela-ts-member-files-");
    writeFileSync(join(dir, "ca.crt"), CA_PEM);
    writeFileSync(join(dir, "client.crt"), CERT_PEM);
    writeFileSync(join(dir, "client.key"), KEY_PEM);
    const file = kubeconfigFile(
      {
        admin: { token: "t0k" },
        other: { "client-certificate": join(dir, "client.crt"), "client-key": join(dir, "client.key") },
      },
      { "certificate-authority": join(dir, "ca.crt") },
    );
    expect(readMemberCredentials(file, "other")).toEqual({
      server: "https://eu.example.com:6443",
      caData: b64(CA_PEM),
      credential: { type: "X509Certificate", certData: b64(CERT_PEM), keyData: b64(KEY_PEM) },
    });
  });

  it("insecure-skip-tls-verify stores no CA (KubeVela's gateway then skips verification)", () => {
    const file = kubeconfigFile({ admin: { token: "t0k" } }, { "insecure-skip-tls-verify": true });
    expect(readMemberCredentials(file).caData).toBeUndefined();
  });

  it.each([
    ["an exec plugin", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws" } }],
    ['the auth-provider plugin "oidc"', { "auth-provider": { name: "oidc", config: {} } }],
    ["a user name and password", { username: "me", password: "secret" }],
  ])("a context that authenticates with %s is refused, naming the file and context", (how, user) => {
    const file = kubeconfigFile({ admin: user });
    const error = refusal(() => readMemberCredentials(file));
    expect(error.code).toBe("E_CLUSTER_JOIN");
    expect(error.message).toBe(
      `kubeconfig ${file}: context "admin" authenticates with ${how}, which a cluster Secret cannot hold`,
    );
    expect(error.hint).toContain("X.509 client certificate or a bearer token");
    expect(error.message).not.toContain('secret"');
  });

  it("a context with no credential, a missing file and an unknown context are refused", () => {
    const bare = kubeconfigFile({ admin: {} });
    expect(refusal(() => readMemberCredentials(bare)).message).toContain(
      'context "admin" has neither a token nor a client certificate and key',
    );
    expect(refusal(() => readMemberCredentials("/nowhere/kubeconfig")).message).toBe(
      "kubeconfig /nowhere/kubeconfig does not exist",
    );
    expect(refusal(() => readMemberCredentials(bare, "prod")).code).toBe("E_KUBECONFIG");
    const missingKey = kubeconfigFile({ admin: { "client-certificate-data": b64(CERT_PEM), "client-key": "/no/key" } });
    expect(refusal(() => readMemberCredentials(missingKey)).message).toContain(
      "the client key file /no/key does not exist",
    );
  });
});

describe("the client a member's stored credentials build", () => {
  it("an X.509 member: its certificate and key, the CA verified", () => {
    const loaded = memberKubeConfig("us", {
      server: "https://us.example.com/",
      caData: b64(CA_PEM),
      credential: { type: "X509Certificate", certData: b64(CERT_PEM), keyData: b64(KEY_PEM) },
    });
    expect(loaded.server).toBe("https://us.example.com");
    expect(loaded.config.getCurrentCluster()).toMatchObject({ caData: b64(CA_PEM), skipTLSVerify: false });
    expect(loaded.config.getCurrentUser()).toMatchObject({ certData: b64(CERT_PEM), keyData: b64(KEY_PEM) });
    expect(loaded.origin).toBe("the cluster Secret vela-system/us");
  });

  it("a token member without a CA: the token, the server's certificate not verified", () => {
    const loaded = memberKubeConfig("eu", {
      server: "https://eu.example.com",
      credential: { type: "ServiceAccountToken", token: "t0k" },
    });
    expect(loaded.config.getCurrentCluster()?.skipTLSVerify).toBe(true);
    expect(loaded.config.getCurrentUser()?.token).toBe("t0k");
  });
});
