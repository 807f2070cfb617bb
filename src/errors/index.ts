export * from "./vela-error.js";
