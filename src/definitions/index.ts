export * from "./types.js";
export * from "./shorthand.js";
export * from "./parse-definition.js";
export * from "./registry.js";
export * from "./loader.js";
export * from "./addon.js";
export * from "./parsed-cache.js";
