/**
 * The first cycle of a dependency graph (node → the nodes it depends on), as the path that closes
 * it (`a → b → a`), visiting nodes in the map's order; edges to unknown nodes and to the node
 * itself are ignored (callers report those separately). Undefined when the graph is acyclic.
 */
export function findCycle(dependencies: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: readonly string[]): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, "visiting");
    for (const next of dependencies.get(name) ?? []) {
      if (!dependencies.has(next) || next === name) continue;
      const cycle = visit(next, [...trail, name]);
      if (cycle !== undefined) return cycle;
    }
    state.set(name, "done");
    return undefined;
  };
  for (const name of dependencies.keys()) {
    const cycle = visit(name, []);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
