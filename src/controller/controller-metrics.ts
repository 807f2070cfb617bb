import { createServer, type Server } from "node:http";
import { ClusterError } from "../errors/index.js";

/** Outcome of one reconcile, as counted in `vela_ts_controller_reconciles_total{result}`. */
export type ReconcileResult = "success" | "error" | "conflict";

/**
 * What controller mode reports on `/metrics` (Prometheus text format 0.0.4): reconciles by result,
 * errors, Applications per workflow phase, queue depth, leadership and watch restarts.
 */
export class ControllerMetrics {
  private readonly results: Record<ReconcileResult, number> = { success: 0, error: 0, conflict: 0 };
  private readonly phases = new Map<string, string>();
  private reconcileSeconds = 0;
  watchRestarts = 0;
  leader = false;
  /** Set by the running controller: its queue's depth. */
  queueDepth: () => number = () => 0;
  /** Set by the running controller: true once its caches are filled (or it stands by). */
  ready: () => boolean = () => false;

  /** Counts one reconcile of `seconds`. */
  countReconcile(result: ReconcileResult, seconds: number): void {
    this.results[result] += 1;
    this.reconcileSeconds += seconds;
  }

  /** Reconciles so far with this result. */
  reconciles(result?: ReconcileResult): number {
    return result === undefined
      ? this.results.success + this.results.error + this.results.conflict
      : this.results[result];
  }

  /** Records an Application's workflow phase (`executing`, `suspending`, …); undefined forgets it. */
  setPhase(key: string, phase: string | undefined): void {
    if (phase === undefined) this.phases.delete(key);
    else this.phases.set(key, phase);
  }

  /** Applications per workflow phase. */
  phaseCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const phase of this.phases.values()) counts[phase] = (counts[phase] ?? 0) + 1;
    return counts;
  }

  /** The Prometheus exposition text. */
  render(): string {
    const lines: string[] = [];
    const metric = (
      name: string,
      type: "counter" | "gauge",
      help: string,
      samples: readonly (readonly [string, number])[],
    ): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric(
      "vela_ts_controller_reconciles_total",
      "counter",
      "Reconcile passes of Applications, by result.",
      (Object.keys(this.results) as ReconcileResult[]).map((result) => [`{result="${result}"}`, this.results[result]]),
    );
    metric(
      "vela_ts_controller_reconcile_errors_total",
      "counter",
      "Reconcile passes that failed (conflicts excluded: they are retried).",
      [["", this.results.error]],
    );
    metric("vela_ts_controller_reconcile_seconds_total", "counter", "Time spent reconciling.", [
      ["", Number(this.reconcileSeconds.toFixed(6))],
    ]);
    const counts = this.phaseCounts();
    metric(
      "vela_ts_controller_workflow_phase",
      "gauge",
      "Applications by workflow phase.",
      Object.keys(counts)
        .sort()
        .map((phase) => [`{phase="${phase}"}`, counts[phase] ?? 0]),
    );
    metric(
      "vela_ts_controller_applications",
      "gauge",
      "Applications this controller reconciles (in sharded mode: those of its shard).",
      [["", this.phases.size]],
    );
    metric("vela_ts_controller_queue_depth", "gauge", "Applications waiting in the work queue.", [
      ["", this.queueDepth()],
    ]);
    metric("vela_ts_controller_is_leader", "gauge", "1 while this controller holds the lease.", [
      ["", this.leader ? 1 : 0],
    ]);
    metric("vela_ts_controller_watch_restarts_total", "counter", "Watches started again after an error.", [
      ["", this.watchRestarts],
    ]);
    return `${lines.join("\n")}\n`;
  }
}

/** A running health and metrics endpoint. */
export interface HealthServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (the process is alive), `/readyz` (caches filled, or standing by for the lease) and
 * `/metrics` on 127.0.0.1 only. Port 0 picks a free port.
 */
export function startHealthServer(metrics: ControllerMetrics, port: number): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8"): void => {
      response.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
      response.end(body);
    };
    if (path === "/healthz" || path === "/livez") send(200, "ok\n");
    else if (path === "/readyz") send(metrics.ready() ? 200 : 503, metrics.ready() ? "ok\n" : "not ready\n");
    else if (path === "/metrics") send(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    else send(404, "not found: try /healthz, /readyz or /metrics\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new ClusterError("E_PORT_IN_USE", `port ${port} on 127.0.0.1 is already in use`, {
              hint: "pick another --metrics-port, or 0 for a free one",
            })
          : new ClusterError("E_SERVE", `cannot listen on 127.0.0.1:${port}: ${error.message}`),
      );
    });
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address !== null ? address.port : port;
      resolve({
        url: `http://127.0.0.1:${bound}`,
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
