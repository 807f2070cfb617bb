export * from "./cluster.js";
export * from "./selector.js";
export * from "./resources.js";
export * from "./sandbox/index.js";
export * from "./events.js";
