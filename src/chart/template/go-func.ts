/**
 * Template functions with Go signatures. `text/template` calls functions through reflection: every
 * argument must be assignable to the parameter's Go type (a float64 is not an `int`, an `int64` is
 * not an `int`, nil is not a `string`), while a literal in the template is converted to the
 * parameter's type (`trunc 5 .x` passes 5 as an int). Declaring each function's parameters lets the
 * evaluator apply exactly those rules (`exec.go` `evalArg`, `validateType`).
 */
import { GoInt, GoTime, isGoMap, typeOf } from "./go-value.js";

/** The parameter types template functions use (Go's names in {@link goTypeName}). */
export type ParamType =
  "any" | "value" | "string" | "int" | "int64" | "uint32" | "float64" | "bool" | "map" | "list" | "time" | "cert";

/** The TypeScript type an implementation receives for a parameter of type `P`. */
export type ArgOf<P extends ParamType> = P extends "string"
  ? string
  : P extends "int" | "int64" | "uint32"
    ? bigint
    : P extends "float64"
      ? number
      : P extends "bool"
        ? boolean
        : P extends "map"
          ? Record<string, unknown> | null
          : P extends "list"
            ? unknown[] | null
            : P extends "time"
              ? GoTime
              : unknown;

type ArgsOf<P extends readonly ParamType[]> = {
  -readonly [K in keyof P]: P[K] extends ParamType ? ArgOf<P[K]> : never;
};

/** A function a template can call: its Go parameter types and its implementation. */
export interface GoFunc {
  readonly params: readonly ParamType[];
  /** Type of the `...` parameter, when the function is variadic. */
  readonly variadic?: ParamType;
  readonly call: (...args: never[]) => unknown;
  /**
   * True for `include` and `tpl`: the call returns the nested template execution (an
   * `Execution`), which the evaluator runs without nesting on the JavaScript stack.
   */
  readonly nests?: boolean;
}

/** Declares a function with fixed parameters. */
export function fn<const P extends readonly ParamType[]>(params: P, call: (...args: ArgsOf<P>) => unknown): GoFunc {
  return { params, call: call };
}

/** Declares a variadic function: fixed parameters, then any number of `variadic` ones. */
export function vfn<const P extends readonly ParamType[], V extends ParamType>(
  params: P,
  variadic: V,
  call: (...args: [...ArgsOf<P>, ...ArgOf<V>[]]) => unknown,
): GoFunc {
  return { params, variadic, call: call };
}

/** Go's spelling of a parameter type, as error messages print it. */
export function goTypeName(type: ParamType): string {
  switch (type) {
    case "any":
      return "interface {}";
    case "value":
      return "reflect.Value";
    case "map":
      return "map[string]interface {}";
    case "list":
      return "[]interface {}";
    case "time":
      return "time.Time";
    case "cert":
      return "sprig.certificate";
    default:
      return type;
  }
}

/** Whether nil can be passed for this type (interfaces, maps and slices can be nil in Go). */
export function canBeNil(type: ParamType): boolean {
  return type === "any" || type === "value" || type === "map" || type === "list";
}

/**
 * Go's `AssignableTo` for a value's dynamic type: the value itself (as the implementation receives
 * it) when it fits, else `undefined`.
 */
export function assignable(value: unknown, type: ParamType): unknown {
  switch (type) {
    case "any":
    case "value":
      return value;
    case "string":
      return typeof value === "string" ? value : undefined;
    case "int":
      return typeof value === "bigint" ? value : undefined;
    case "int64":
    case "uint32":
      return value instanceof GoInt && value.type === type ? value.value : undefined;
    case "float64":
      return typeof value === "number" ? value : undefined;
    case "bool":
      return typeof value === "boolean" ? value : undefined;
    case "map":
      return isGoMap(value) && typeOf(value) !== "map[string]string" ? value : undefined;
    case "list":
      return Array.isArray(value) && typeOf(value) === "[]interface {}" ? value : undefined;
    case "time":
      return value instanceof GoTime ? value : undefined;
    case "cert":
      return typeOf(value) === "sprig.certificate" ? value : undefined;
  }
}
