/**
 * Our JSONPath templates and custom columns against the real kubectl's, offline: `kubectl config
 * view --kubeconfig F -o jsonpath=T` evaluates T on the kubeconfig, and so do we on the same JSON.
 * Skipped when kubectl is not on PATH (scripts/install-kubectl.sh installs it).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  executeJsonPathTemplate,
  executeJsonPathTemplateAsJson,
  parseJsonPathTemplate,
} from "../../../src/cli/printers/jsonpath-template.js";
import type { JsonValue } from "../../../src/util/index.js";
import { tempDir } from "../../support/cli.js";
import { KUBECTL, KUBECTL_MISSING_REASON } from "../../cluster/server/support.js";

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: dev
preferences: {}
clusters:
- name: dev-cluster
  cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
- name: prod.example.com
  cluster: {server: "https://prod.example.com"}
contexts:
- name: dev
  context: {cluster: dev-cluster, user: alice, namespace: team-a}
- name: prod
  context: {cluster: prod.example.com, user: bob}
users:
- name: alice
  user: {username: alice, password: s3cret}
- name: bob
  user: {token: abc}
`;

const TEMPLATES = [
  "{.current-context}",
  "{.contexts[*].name}",
  "{..server}",
  "{.clusters[0]}",
  "{.contexts[*].context}",
  '{.users[?(@.name=="alice")].user.username}',
  '{range .contexts[*]}{.name}{"\\t"}{.context.namespace}{"\\n"}{end}',
  "{range .clusters[*]}[{.name}, {.cluster.insecure-skip-tls-verify}] {end}",
  "{.clusters[-1:].name}",
  "{.contexts[?(@.context.namespace)].name}",
  "current: {.current-context}; first user: {.users[0].name}",
  // (Not `.context.*`: kubectl walks a map's members in Go's random map order.)
  "{range .contexts[*]}{.name}:{range .context.cluster}{@},{end};{end}",
  "{.missing.field}",
];

function kubectl(kubeconfig: string, output: string): string {
  return execFileSync(KUBECTL ?? "kubectl", ["config", "view", "--kubeconfig", kubeconfig, "-o", output], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: tempDir() },
  });
}

describe.skipIf(KUBECTL === undefined)(
  `JSONPath output agrees with kubectl ${KUBECTL === undefined ? `(skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const file = join(tempDir("vela-ts-jsonpath-"), "kubeconfig");
    writeFileSync(file, KUBECONFIG);
    const root = () => JSON.parse(kubectl(file, "json")) as JsonValue;

    it.each(TEMPLATES.map((template) => ({ template })))("-o jsonpath=$template", ({ template }) => {
      expect(executeJsonPathTemplate(parseJsonPathTemplate(template), root())).toBe(
        kubectl(file, `jsonpath=${template}`),
      );
    });

    it.each(
      ["{.contexts[*].name}", 'x{"y"}{.current-context}z', "{range .contexts[*]}{.context}{end}", "{.nope}"].map(
        (template) => ({ template }),
      ),
    )("-o jsonpath-as-json=$template", ({ template }) => {
      expect(executeJsonPathTemplateAsJson(parseJsonPathTemplate(template), root())).toBe(
        kubectl(file, `jsonpath-as-json=${template}`),
      );
    });
  },
);
