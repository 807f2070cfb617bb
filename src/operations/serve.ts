import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { SandboxCluster } from "../cluster/index.js";
import { openCommandSandbox } from "../target/addon-objects.js";
import { startSandboxServer, type SandboxServer } from "../cluster/sandbox/server/index.js";
import { liveLockOwner, removeServedRecord, writeServedRecord } from "../cluster/sandbox/index.js";
import type { Clock } from "../util/index.js";

/** Options of {@link serveSandbox}. */
export interface ServeSandboxOptions {
  /** The sandbox directory, already resolved (`--sandbox`, `VELA_TS_SANDBOX`, `./.vela-ts`). */
  readonly sandboxDir: string;
  /** Where the kubeconfig goes (mode 0600). */
  readonly kubeconfigOut: string;
  readonly clock: Clock;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** How often the simulated controllers run without writes (timed steps). @default 500 */
  readonly settleIntervalMs?: number;
  /** @default 5000 */
  readonly bookmarkIntervalMs?: number;
  /** Told about controller passes that failed (each distinct message once). @default ignored */
  readonly warn?: (message: string) => void;
  /** Shown to commands waiting for the sandbox lock. @default "vela-ts sandbox serve" */
  readonly command?: string;
}

/** A sandbox being served. */
export interface ServingSandbox {
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  readonly sandboxDir: string;
  readonly server: SandboxServer;
  /** The opened sandbox: in-process code (a controller loop) may use it directly. */
  readonly cluster: SandboxCluster;
  /** Graceful stop: ends watches, finishes in-flight requests and the running controller pass, releases the sandbox. */
  close(): Promise<void>;
}

/**
 * `vela-ts sandbox serve`: opens the sandbox (holding its lock for as long as it is served), serves it
 * as a Kubernetes API on 127.0.0.1 with a fresh bearer token and self-signed certificate, and writes a
 * kubeconfig for it. The simulated controllers run in this process after every write and on a timer.
 */
export async function serveSandbox(options: ServeSandboxOptions): Promise<ServingSandbox> {
  const cluster = await openCommandSandbox({
    dir: options.sandboxDir,
    clock: options.clock,
    command: options.command ?? "vela-ts sandbox serve",
    // Concurrent clients' writes share one fdatasync; the server answers each after it (docs/sandbox.md).
    groupCommit: true,
  });
  let lastWarning = "";
  const warn = options.warn ?? (() => undefined);
  let server: SandboxServer;
  try {
    server = await startSandboxServer({
      cluster,
      clock: options.clock,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.settleIntervalMs === undefined ? {} : { settleIntervalMs: options.settleIntervalMs }),
      ...(options.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: options.bookmarkIntervalMs }),
      onSettleError: (error) => {
        const message = `simulated controllers: ${error instanceof Error ? error.message : String(error)}`;
        if (message !== lastWarning) warn(message);
        lastWarning = message;
      },
    });
    mkdirSync(dirname(options.kubeconfigOut), { recursive: true });
    writeFileSync(options.kubeconfigOut, server.kubeconfig(), { mode: 0o600 });
    chmodSync(options.kubeconfigOut, 0o600);
  } catch (error) {
    cluster.close();
    throw error;
  }
  // Other commands on this sandbox go through the server while it runs (src/target/target.ts).
  const lockToken = liveLockOwner(options.sandboxDir)?.token;
  if (lockToken !== undefined)
    writeServedRecord(options.sandboxDir, {
      lockToken,
      pid: process.pid,
      url: server.url,
      kubeconfig: options.kubeconfigOut,
    });
  const running = server;
  let closing: Promise<void> | undefined;
  return {
    url: running.url,
    port: running.port,
    kubeconfigPath: options.kubeconfigOut,
    sandboxDir: options.sandboxDir,
    server: running,
    cluster,
    close() {
      closing ??= running.close().finally(() => {
        if (lockToken !== undefined) removeServedRecord(options.sandboxDir, lockToken);
        cluster.close();
      });
      return closing;
    },
  };
}
