import { main } from "/work/wt-25/src/cli/main.ts";
import { SystemClock } from "/work/wt-25/src/util/clock.ts";
let out = "", err = "";
const code = await main(process.argv.slice(2), { cwd: process.cwd(), env: {}, readStdin: async () => "", stdout: { write: (t) => void (out += t) }, stderr: { write: (t) => void (err += t) }, clock: new SystemClock(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
process.stdout.write(out.slice(0, 3000)); process.stderr.write(err.slice(0, 3000)); process.exitCode = code;
