/** Atomic file writes and the repair advice shared by the sandbox's state files. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** Makes a directory entry change (rename, create) durable. */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `path` atomically: `write` fills a temp file (through its descriptor), which is fsync'd,
 * renamed over `path`, and the directory fsync'd. A throw leaves `path` as it was.
 */
export function writeAtomically<T>(path: string, write: (fd: number) => T): T {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, "w");
  let result: T;
  try {
    result = write(fd);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  syncDirectory(dirname(path));
  return result;
}

/** Writes `contents` to `path` atomically: temp file, fsync, rename, directory fsync. */
export function writeFileAtomic(path: string, contents: string | Iterable<string>): void {
  writeAtomically(path, (fd) => {
    const chunks = typeof contents === "string" ? [contents] : contents;
    let buffered: string[] = [];
    let size = 0;
    const flush = (): void => {
      const buffer = Buffer.from(buffered.join(""), "utf8");
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
      buffered = [];
      size = 0;
    };
    for (const chunk of chunks) {
      buffered.push(chunk);
      size += chunk.length;
      if (size > 4 * 1024 * 1024) flush();
    }
    flush();
  });
}

/** The advice every "this sandbox file is damaged" error ends with. */
export const REPAIR_HINT =
  "run `vela-ts sandbox repair` to recover what the files still hold (it keeps a backup of them first); " +
  "`vela-ts sandbox repair --dry-run` shows what it would do";
