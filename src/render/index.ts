export * from "./template.js";
export * from "./patch.js";
export * from "./contract.js";
export * from "./order.js";
export * from "./health.js";
export * from "./render.js";
export * from "./cue-template.js";
