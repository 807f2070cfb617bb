import type * as ControllerModule from "../operations/index.js";

let loading: Promise<typeof ControllerModule> | undefined;

/**
 * The controller layer, imported on first use: `vela-ts --version` and `--help` then load only
 * commander and the command declarations (changesets' lazy command registry does the same).
 */
export function loadController(): Promise<typeof ControllerModule> {
  loading ??= import("../operations/index.js");
  return loading;
}
