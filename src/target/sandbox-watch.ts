import { watch, type FSWatcher } from "node:fs";
import { SANDBOX_FILES } from "../cluster/index.js";

/** A running {@link watchSandboxWrites}. */
export interface SandboxWriteWatch {
  close(): void;
}

/** The files whose change means the sandbox's objects (or its addons) changed. */
const STATE_FILES: ReadonlySet<string> = new Set([
  SANDBOX_FILES.journal,
  SANDBOX_FILES.snapshot,
  SANDBOX_FILES.metadata,
]);

/**
 * Tells when any process writes the sandbox in `dir` (its journal, snapshot or metadata change):
 * the sandbox's change feed across processes, since each command holds the sandbox only while it
 * runs. Takes no lock and reads nothing; the caller reads the sandbox again when told. Lock files,
 * the fixed-point record and chart caches are not changes of the cluster and are ignored.
 * `onError` is told when the directory can no longer be watched (it was removed); the watch has ended then.
 */
export function watchSandboxWrites(
  dir: string,
  onWrite: () => void,
  onError: (error: Error) => void = () => undefined,
): SandboxWriteWatch {
  let watcher: FSWatcher | undefined = watch(dir, { persistent: false }, (_event, file) => {
    if (file === null || STATE_FILES.has(file.toString())) onWrite();
  });
  watcher.on("error", (error) => {
    watcher?.close();
    watcher = undefined;
    onError(error);
  });
  return {
    close() {
      watcher?.close();
      watcher = undefined;
    },
  };
}
