// Child of store.bench.ts: opens the sandbox store in argv[2] in a fresh process and prints the
// open time in ms and the object count, as one CLI command would see it.
import { performance } from "node:perf_hooks";
import { openSandboxStore } from "../src/cluster/sandbox/store/durable-store.js";
import { FakeClock } from "../src/util/clock.js";

const start = performance.now();
const sandbox = await openSandboxStore({ dir: process.argv[2] ?? "", clock: new FakeClock() });
const elapsed = performance.now() - start;
// What a command touching one app reads next: one object, and its namespace's objects of that kind.
const readStart = performance.now();
sandbox.store.get({ apiVersion: "apps/v1", kind: "Deployment", name: "app-1", namespace: "ns-1" });
sandbox.store.list("apps/v1", "Deployment", { namespace: "ns-1" });
const firstReadMs = performance.now() - readStart;
process.stdout.write(
  `${JSON.stringify({ ms: elapsed, firstReadMs, objects: sandbox.store.size, rssMiB: process.memoryUsage().rss / 1048576 })}\n`,
);
sandbox.close();
