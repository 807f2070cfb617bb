export * from "./types.js";
export * from "./params.js";
export * from "./applies-to.js";
export * from "./bind.js";
export * from "./placements.js";
