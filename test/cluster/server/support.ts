import { execFile } from "node:child_process";
import { accessSync, constants, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { openSandbox, type SandboxCluster } from "../../../src/cluster/sandbox/index.js";
import { startSandboxServer, type SandboxServer } from "../../../src/cluster/sandbox/server/index.js";
import type { Clock } from "../../../src/util/index.js";

const run = promisify(execFile);

/** The absolute path of an executable found on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export const KUBECTL = findOnPath("kubectl");
export const KUBECTL_MISSING_REASON =
  "kubectl not found on PATH (scripts/install-kubectl.sh installs Debian's kubernetes-client; .ci/run calls it)";

/** Result of one kubectl run. */
export interface KubectlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A scratch HOME + kubeconfig so kubectl never reads the user's config or discovery cache. */
export function kubectlWorkspace(kubeconfig: string): {
  readonly dir: string;
  readonly kubeconfigPath: string;
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlRun>;
} {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-kubectl-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  return {
    dir,
    kubeconfigPath,
    async kubectl(args, stdin) {
      if (KUBECTL === undefined) throw new Error(KUBECTL_MISSING_REASON);
      const argv = ["--kubeconfig", kubeconfigPath, "--cache-dir", join(dir, "cache"), ...args];
      try {
        const child = run(KUBECTL, argv, { env: { PATH: process.env.PATH ?? "", HOME: dir }, timeout: 60_000 });
        if (stdin !== undefined) {
          child.child.stdin?.end(stdin);
        }
        const { stdout, stderr } = await child;
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return {
          code: typeof failed.code === "number" ? failed.code : 1,
          stdout: failed.stdout ?? "",
          stderr: failed.stderr ?? "",
        };
      }
    },
  };
}

/** A sandbox on a fresh directory, served over HTTPS, with a kubectl workspace for it. */
export interface ServedForKubectl {
  readonly cluster: SandboxCluster;
  readonly server: SandboxServer;
  readonly workspace: ReturnType<typeof kubectlWorkspace>;
  close(): Promise<void>;
}

/** Opens and serves a sandbox for tests that drive it with the real kubectl. */
export async function servedSandboxForKubectl(prefix: string, clock: Clock): Promise<ServedForKubectl> {
  const cluster = await openSandbox({ dir: mkdtempSync(join(tmpdir(), prefix)), clock });
  const server = await startSandboxServer({ cluster, clock, settleIntervalMs: 0 });
  return {
    cluster,
    server,
    workspace: kubectlWorkspace(server.kubeconfig()),
    async close() {
      await server.close();
      cluster.close();
    },
  };
}
