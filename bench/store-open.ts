// Child of store.bench.ts: opens the sandbox store in argv[2] in a fresh process and prints the
// open time in ms and the object count, as one CLI command would see it.
import { performance } from "node:perf_hooks";
import { openSandboxStore } from "../src/cluster/sandbox/store/durable-store.js";
import { FakeClock } from "../src/util/clock.js";

const start = performance.now();
const sandbox = await openSandboxStore({ dir: process.argv[2] ?? "", clock: new FakeClock() });
const elapsed = performance.now() - start;
process.stdout.write(
  `${JSON.stringify({ ms: elapsed, objects: sandbox.store.size, rssMiB: process.memoryUsage().rss / 1048576 })}\n`,
);
sandbox.close();
