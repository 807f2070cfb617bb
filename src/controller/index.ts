export * from "./dry-run.js";
export * from "./definitions.js";
export * from "./up.js";
export * from "./drive.js";
export * from "./target.js";
export * from "./reconcile.js";
export * from "./workflow-commands.js";
