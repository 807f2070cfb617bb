export * from "./codes.js";
export * from "./vela-error.js";
