import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { MetricHttpRequest, MetricHttpResponse } from "../../src/metrics/index.js";
import { findOnPath } from "../cluster/server/support.js";

/** Debian's `prometheus` binary, when installed (scripts/install-prometheus.sh; .ci/run calls it). */
export const PROMETHEUS = findOnPath("prometheus");
export const PROMETHEUS_MISSING_REASON =
  "prometheus not found on PATH (scripts/install-prometheus.sh installs Debian's prometheus; .ci/run calls it)";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** GET through Node's fetch, as the CLI's http hook does. */
export async function fetchHttp(request: MetricHttpRequest): Promise<MetricHttpResponse> {
  const response = await fetch(request.url, { method: request.method, headers: { ...request.headers } });
  return { status: response.status, body: await response.text() };
}

/** A Prometheus on 127.0.0.1 scraping one HTTPS target every second with a bearer token. */
export interface RunningPrometheus {
  readonly address: string;
  stop(): Promise<void>;
}

export async function startPrometheus(
  dir: string,
  target: { readonly port: number; readonly token: string; readonly caPem: string },
): Promise<RunningPrometheus> {
  if (PROMETHEUS === undefined) throw new Error(PROMETHEUS_MISSING_REASON);
  const port = await freePort();
  writeFileSync(join(dir, "ca.pem"), target.caPem);
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: vela-ts-sandbox",
      "    scheme: https",
      "    metrics_path: /metrics",
      "    authorization:",
      `      credentials: ${JSON.stringify(target.token)}`,
      "    tls_config:",
      `      ca_file: ${JSON.stringify(join(dir, "ca.pem"))}`,
      "      server_name: 127.0.0.1",
      "      insecure_skip_verify: true",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${target.port}"]`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const address = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${address}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`prometheus did not become ready:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
