import { writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openKubeCluster } from "../../../src/cluster/kube/index.js";
import { startSandboxServer, type SandboxServer } from "../../../src/cluster/sandbox/server/index.js";
import { VelaError } from "../../../src/errors/index.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";
import { MemoryCluster } from "../server/memory-cluster.js";

/**
 * A TCP proxy in front of the API server (TLS passes through it untouched) that can cut every
 * connection at a chosen moment: after the client sent `cutAfterClientBytes` more bytes.
 */
interface CuttingProxy {
  readonly port: number;
  /** Cut each connection once the client has sent this many bytes on it (undefined: never). */
  cutAfterClientBytes: number | undefined;
  close(): Promise<void>;
}

async function cuttingProxy(target: number): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  const proxy: { cutAfterClientBytes: number | undefined } = { cutAfterClientBytes: undefined };
  const server: Server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on("data", (chunk: Buffer) => {
      sent += chunk.length;
      if (proxy.cutAfterClientBytes !== undefined && sent > proxy.cutAfterClientBytes) {
        upstream.write(chunk.subarray(0, Math.max(0, chunk.length - (sent - proxy.cutAfterClientBytes))));
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on("error", () => undefined);
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  return {
    port,
    get cutAfterClientBytes() {
      return proxy.cutAfterClientBytes;
    },
    set cutAfterClientBytes(value) {
      proxy.cutAfterClientBytes = value;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

function kubeconfigFile(server: SandboxServer, port: number): string {
  const path = join(tempDir(), "kubeconfig");
  writeFileSync(path, server.kubeconfig().replace(`127.0.0.1:${server.port}`, `127.0.0.1:${port}`));
  return path;
}

async function caught(promise: Promise<unknown>): Promise<VelaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

const configMap = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data: { value: "x".repeat(2000) },
});

describe("losing the connection to a real cluster", () => {
  it("a write whose connection is reset mid-request: exit-4 E_CLUSTER_UNREACHABLE naming the cluster and the request", async () => {
    const clock = new FakeClock();
    const server = await startSandboxServer({ cluster: new MemoryCluster(clock), clock, settleIntervalMs: 0 });
    servers.push(server);
    const proxy = await cuttingProxy(server.port);
    servers.push(proxy);
    const kube = openKubeCluster({ kubeconfigPath: kubeconfigFile(server, proxy.port) });
    try {
      // Discovery first, on an intact connection.
      await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "absent", namespace: "default" });
      kube.close();
      proxy.cutAfterClientBytes = 1500;
      const error = await caught(kube.apply(configMap("cut")));
      expect(error.category).toBe("unreachable");
      expect(error.code).toBe("E_CLUSTER_UNREACHABLE");
      expect(error.message).toMatch(
        /^lost the connection to cluster at https:\/\/127\.0\.0\.1:\d+ \(context "vela-ts-sandbox"\) during patch configmaps "cut"/,
      );
      expect(error.hint).toMatch(/may or may not have been made/);
    } finally {
      kube.close();
    }
  });

  it("a server that now presents another certificate: exit-4 E_CLUSTER_TLS, not an internal error", async () => {
    const clock = new FakeClock();
    const first = await startSandboxServer({ cluster: new MemoryCluster(clock), clock, settleIntervalMs: 0 });
    const path = kubeconfigFile(first, first.port);
    const port = first.port;
    await first.close();
    // Restarted on the same port with a new self-signed certificate.
    const second = await startSandboxServer({
      cluster: new MemoryCluster(clock),
      clock,
      settleIntervalMs: 0,
      port,
      token: first.token,
    });
    servers.push(second);
    const kube = openKubeCluster({ kubeconfigPath: path });
    try {
      const error = await caught(kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "x", namespace: "default" }));
      expect(error.category).toBe("unreachable");
      expect(error.code).toBe("E_CLUSTER_TLS");
      expect(error.message).toContain(`cluster at https://127.0.0.1:${port}`);
      expect(error.message).toMatch(/the TLS handshake failed/);
    } finally {
      kube.close();
    }
  });

  it("every cut point of a write ends in exit 4 (or success), never an internal error", async () => {
    const clock = new FakeClock();
    const server = await startSandboxServer({ cluster: new MemoryCluster(clock), clock, settleIntervalMs: 0 });
    servers.push(server);
    const proxy = await cuttingProxy(server.port);
    servers.push(proxy);
    const path = kubeconfigFile(server, proxy.port);
    const outcomes = new Set<string>();
    for (const cut of [0, 10, 100, 300, 600, 900, 1200, 1600, 2100, 2600, 3200, 4000]) {
      const kube = openKubeCluster({ kubeconfigPath: path }, { reachDeadlineMs: 1000, initialBackoffMs: 50 });
      proxy.cutAfterClientBytes = cut;
      try {
        await kube.apply(configMap(`at-${cut}`));
        outcomes.add("ok");
      } catch (error) {
        expect(error, `cut after ${cut} bytes`).toBeInstanceOf(VelaError);
        expect((error as VelaError).category, `cut after ${cut} bytes: ${(error as Error).message}`).toBe(
          "unreachable",
        );
        outcomes.add((error as VelaError).code);
      } finally {
        kube.close();
      }
    }
    expect([...outcomes].every((outcome) => ["ok", "E_CLUSTER_UNREACHABLE", "E_CLUSTER_TLS"].includes(outcome))).toBe(
      true,
    );
  });
});
