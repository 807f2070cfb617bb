export * from "./labels.js";
export * from "./kube-object.js";
export * from "./parse-yaml.js";
export * from "./ajv.js";
export * from "./application.js";
export * from "./definition.js";
export * from "./application-status.js";
export * from "./merge-keys.js";
