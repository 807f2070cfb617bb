/**
 * Reverse rendering (decompile): the definitions' `spec.decompile` rules turn live objects back into
 * component and trait properties, and {@link compareWithLive} says what applying the rendering of
 * those properties would change on the live objects.
 */
export * from "./rules.js";
export * from "./compare.js";
