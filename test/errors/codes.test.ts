/**
 * One table of error codes: every code has its exit code there, the codes the docs cite are known,
 * and an error's exit class comes from its code.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/cli/report.js";
import {
  ClusterError,
  ERROR_CODES,
  EXIT_CODES,
  InternalError,
  isErrorCode,
  KNOWN_ERROR_CODES,
  UsageError,
  VelaError,
} from "../../src/errors/index.js";
import { PROJECT_ROOT } from "../support/shared.js";

describe("ERROR_CODES", () => {
  it("lists each code once, sorted, each with an exit class that has an exit code", () => {
    expect([...KNOWN_ERROR_CODES].sort()).toEqual(KNOWN_ERROR_CODES);
    expect(new Set(KNOWN_ERROR_CODES).size).toBe(KNOWN_ERROR_CODES.length);
    for (const code of KNOWN_ERROR_CODES) {
      expect(code).toMatch(/^E_[A-Z0-9_]+$/);
      expect(EXIT_CODES[ERROR_CODES[code]], code).toBeGreaterThan(0);
    }
  });

  it("knows every code the docs cite", () => {
    const docs = [
      join(PROJECT_ROOT, "README.md"),
      ...readdirSync(join(PROJECT_ROOT, "docs")).map((file) => join(PROJECT_ROOT, "docs", file)),
    ];
    const cited = new Set(
      docs
        .filter((file) => file.endsWith(".md"))
        .flatMap((file) =>
          [...readFileSync(file, "utf8").matchAll(/\b(E_[A-Z0-9]+(?:_[A-Z0-9]+)*)\b/g)].map((m) => m[1] ?? ""),
        ),
    );
    const unknown = [...cited].filter((code) => !isErrorCode(code));
    expect(unknown).toEqual([]);
  });

  it("gives an error its exit code from its code", () => {
    expect(exitCodeOf(new VelaError("E_APP_INVALID", "bad"))).toBe(1);
    expect(exitCodeOf(new UsageError("bad flag"))).toBe(2);
    expect(exitCodeOf(new ClusterError("E_CLUSTER_UNREACHABLE", "down"))).toBe(4);
    expect(exitCodeOf(new ClusterError("E_CLUSTER_TLS", "handshake"))).toBe(4);
    expect(exitCodeOf(new ClusterError("E_CONFLICT", "409"))).toBe(1);
    expect(exitCodeOf(new InternalError("broken invariant"))).toBe(70);
    expect(exitCodeOf(new Error("not ours"))).toBe(70);
  });
});
