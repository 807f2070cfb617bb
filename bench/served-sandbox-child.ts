/**
 * A served sandbox in a process of its own, for benches that measure a client's CPU alone:
 * `node --import tsx bench/served-sandbox-child.ts <dir>` writes `<dir>/kubeconfig`, prints `ready`
 * and serves until its stdin closes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openSandbox } from "../src/cluster/sandbox/index.js";
import { startSandboxServer } from "../src/cluster/sandbox/server/index.js";
import { SystemClock } from "../src/util/clock.js";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: served-sandbox-child.ts <dir>");
const clock = new SystemClock();
const sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock, sync: false });
const server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 0 });
writeFileSync(join(dir, "kubeconfig"), server.kubeconfig());
process.stdout.write("ready\n");
process.stdin.resume();
process.stdin.on("end", () => {
  void server.close().then(() => {
    sandbox.close();
    process.exit(0);
  });
});
