export * from "./snapshot.js";
export * from "./hash.js";
export * from "./history.js";
export * from "./diff.js";
export * from "./component-revisions.js";
