export * from "./json.js";
export * from "./canonical-json.js";
export * from "./json-pointer.js";
export * from "./suggest.js";
export * from "./clock.js";
export * from "./duration.js";
export * from "./cel.js";
export * from "./graph.js";
