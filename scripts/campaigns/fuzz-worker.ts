/**
 * A fuzz worker: reads one JSON case per line on stdin (`{id, argv, files}`), writes the files into
 * a scratch directory, runs `vela-ts <argv>` through `main()` in this process and answers one JSON
 * line `{id, code, stderr}`. The driver kills the whole worker when a case runs past its time limit
 * (a hang), so a stuck case can never stop the campaign.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { FakeClock } from "../../src/util/clock.js";

interface FuzzCase {
  readonly id: number;
  readonly argv: readonly string[];
  readonly files: Readonly<Record<string, string>>;
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const fuzzCase = JSON.parse(line) as FuzzCase;
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-fuzz-"));
  for (const [file, text] of Object.entries(fuzzCase.files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  let stderr = "";
  const clock = new FakeClock();
  const ctx: CliContext = {
    cwd: dir,
    env: { NO_COLOR: "1" },
    readStdin: () => Promise.resolve(""),
    stdout: { write: () => undefined },
    stderr: { write: (text) => void (stderr += text) },
    clock,
    sleep: (milliseconds) => {
      clock.advance(milliseconds);
      return Promise.resolve();
    },
  };
  let code: number;
  try {
    code = await main(fuzzCase.argv, ctx);
  } catch (error) {
    stderr += `uncaught: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
    code = 70;
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ id: fuzzCase.id, code, stderr: stderr.slice(0, 4000) })}\n`);
}
