import type { JsonValue } from "../util/index.js";
import type { CueProblem } from "./errors.js";
import { describeValue, LimitExceeded, type Evaluator } from "./evaluator.js";
import type { CuePosition } from "./source.js";
import { atomJson, formatConstraint, isTop, type Bottom } from "./value.js";
import { formatPath, type Vertex } from "./vertex.js";

/** Options of {@link exportVertex}. */
export interface ExportOptions {
  /**
   * Stop collecting after this many problems.
   * @default 50
   */
  readonly maxProblems?: number;
  /**
   * Largest number of JSON nodes to produce.
   * @default 1_000_000
   */
  readonly maxNodes?: number;
}

interface ExportState {
  readonly evaluator: Evaluator;
  readonly problems: CueProblem[];
  readonly maxProblems: number;
  readonly maxNodes: number;
  nodes: number;
}

function problem(state: ExportState, error: Bottom, path: readonly string[], fallback: CuePosition | undefined): void {
  if (state.problems.length >= state.maxProblems) return;
  const positions = error.positions.length > 0 ? error.positions : fallback === undefined ? [] : [fallback];
  state.problems.push({
    kind: error.kind === "reference" ? "reference" : error.kind,
    message: error.message,
    path: formatPath(path),
    labels: [...path],
    positions,
  });
}

function distinctPositions(positions: readonly (CuePosition | undefined)[]): CuePosition[] {
  const result: CuePosition[] = [];
  for (const position of positions) {
    if (position === undefined) continue;
    if (
      !result.some(
        (other) => other.file === position.file && other.line === position.line && other.column === position.column,
      )
    )
      result.push(position);
  }
  return result;
}

function exportNode(state: ExportState, vertex: Vertex, path: string[]): JsonValue | undefined {
  if (++state.nodes > state.maxNodes)
    throw new LimitExceeded(`the exported value has more than ${state.maxNodes} nodes`, vertex.firstPosition());
  if (path.length > state.evaluator.limits.maxDepth)
    throw new LimitExceeded(
      `value nested deeper than ${state.evaluator.limits.maxDepth} levels (structural cycle?)`,
      vertex.firstPosition(),
    );
  const { evaluator } = state;
  const value = evaluator.valueOfVertex(vertex);
  switch (value.t) {
    case "bottom":
      problem(state, value, path, vertex.firstPosition());
      return undefined;
    case "atom":
      return atomJson(value);
    case "constraint":
      problem(
        state,
        {
          t: "bottom",
          kind: "incomplete",
          message: `incomplete value ${isTop(value) ? "_" : formatConstraint(value)}`,
          positions: distinctPositions([value.pos, vertex.firstPosition()]),
        },
        path,
        vertex.firstPosition(),
      );
      return undefined;
    case "disj":
      problem(
        state,
        {
          t: "bottom",
          kind: "incomplete",
          message: `incomplete value ${describeValue(value)}`,
          positions: [],
        },
        path,
        vertex.firstPosition(),
      );
      return undefined;
    case "func":
    case "package":
      problem(
        state,
        { t: "bottom", kind: "conflict", message: `cannot export ${describeValue(value)}`, positions: [] },
        path,
        vertex.firstPosition(),
      );
      return undefined;
    case "vertex":
      break;
  }
  const node = value.v;
  if (node.isList) {
    const items: JsonValue[] = [];
    for (const [index, elem] of (node.elems ?? []).entries()) {
      const item = exportNode(state, elem, [...path, String(index)]);
      if (item !== undefined) items.push(item);
    }
    return items;
  }
  const object: Record<string, JsonValue> = {};
  for (const arc of node.arcs?.values() ?? []) {
    if (arc.fieldKind === "optional") continue;
    if (arc.isDefinition || arc.isHidden) {
      // Not exported, but CUE still reports their conflicts.
      for (const found of collectErrors(state.evaluator, arc, [...path, arc.label], { maxProblems: state.maxProblems }))
        if (state.problems.length < state.maxProblems) state.problems.push(found);
      continue;
    }
    if (arc.fieldKind === "required") {
      problem(
        state,
        { t: "bottom", kind: "incomplete", message: `field is required but not present`, positions: [] },
        [...path, arc.label],
        arc.firstPosition(),
      );
      continue;
    }
    const item = exportNode(state, arc, [...path, arc.label]);
    if (item !== undefined) object[arc.label] = item;
  }
  return object;
}

/**
 * Exports a vertex to JSON: regular fields in order, defaults taken, definitions, hidden and
 * optional fields left out. Every non-concrete value or error found is returned as a problem with its
 * CUE path and source positions; the value is usable only when `problems` is empty.
 */
export function exportVertex(
  evaluator: Evaluator,
  vertex: Vertex,
  path: readonly string[],
  options: ExportOptions = {},
): { readonly value: JsonValue | undefined; readonly problems: readonly CueProblem[] } {
  const state: ExportState = {
    evaluator,
    problems: [],
    maxProblems: options.maxProblems ?? 50,
    maxNodes: options.maxNodes ?? 1_000_000,
    nodes: 0,
  };
  const value = exportNode(state, vertex, [...path]);
  return { value, problems: state.problems };
}

/**
 * Every error in a vertex and its regular descendants, without requiring concreteness. Incomplete
 * errors (a reference to a missing field, a comprehension over an unknown list) count only when
 * `includeIncomplete` is set.
 */
export function collectErrors(
  evaluator: Evaluator,
  vertex: Vertex,
  path: readonly string[],
  options: { readonly includeIncomplete?: boolean; readonly maxProblems?: number } = {},
): CueProblem[] {
  const maxProblems = options.maxProblems ?? 50;
  const problems: CueProblem[] = [];
  const walk = (node: Vertex, at: string[]): void => {
    if (problems.length >= maxProblems) return;
    if (at.length > evaluator.limits.maxDepth)
      throw new LimitExceeded(
        `value nested deeper than ${evaluator.limits.maxDepth} levels (structural cycle?)`,
        node.firstPosition(),
      );
    evaluator.evalArcs(node);
    if (node.error !== undefined) {
      if (options.includeIncomplete === true || node.error.kind !== "incomplete")
        problems.push({
          kind: node.error.kind === "reference" ? "reference" : node.error.kind,
          message: node.error.message,
          path: formatPath(at),
          labels: [...at],
          positions:
            node.error.positions.length > 0
              ? node.error.positions
              : [node.firstPosition()].filter((pos): pos is CuePosition => pos !== undefined),
        });
      return;
    }
    for (const arc of node.arcs?.values() ?? []) {
      if (arc.fieldKind !== "regular" || arc.isDefinition) continue;
      walk(arc, [...at, arc.label]);
    }
    for (const [index, elem] of (node.elems ?? []).entries()) walk(elem, [...at, String(index)]);
  };
  walk(vertex, [...path]);
  return problems;
}
