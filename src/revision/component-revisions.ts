import { displayText, isJsonObject, sha256OfJson, type JsonObject } from "../util/index.js";

/** A component revision (`context.revision`): `<component>-v<N>` and the hash it was made for. */
export interface ComponentRevision {
  readonly name: string;
  readonly hash: string;
}

/**
 * Hash of one component as the revision sees it (type, properties and release traits — ops-only
 * traits are already stripped from the snapshot spec), so a component revision changes only when
 * that component changes, as KubeVela's ControllerRevisions do.
 */
export function componentHash(component: JsonObject): string {
  return sha256OfJson({
    type: component.type,
    properties: component.properties ?? {},
    traits: component.traits ?? [],
    externalRevision: component.externalRevision ?? null,
  }).slice(0, 16);
}

/**
 * Component revisions for a new app revision: a component whose hash equals its entry in the
 * previous revision keeps that name; a changed or new component gets the next number after every
 * number it ever had (`externalRevision` wins when the user set one).
 */
export function nextComponentRevisions(
  snapshotSpec: JsonObject,
  previous: Readonly<Record<string, ComponentRevision>> | undefined,
  everUsed: readonly Readonly<Record<string, ComponentRevision>>[],
): Record<string, ComponentRevision> {
  const out: Record<string, ComponentRevision> = {};
  const components = Array.isArray(snapshotSpec.components) ? snapshotSpec.components.filter(isJsonObject) : [];
  for (const component of components) {
    const name = displayText(component.name);
    const hash = componentHash(component);
    if (typeof component.externalRevision === "string" && component.externalRevision !== "") {
      out[name] = { name: component.externalRevision, hash };
      continue;
    }
    const before = previous?.[name];
    if (before !== undefined && before.hash === hash) {
      out[name] = before;
      continue;
    }
    const highest = everUsed
      .map((revisions) => revisions[name]?.name)
      .map((revisionName) => (revisionName === undefined ? 0 : Number(/-v(\d+)$/.exec(revisionName)?.[1] ?? 0)))
      .reduce((a, b) => Math.max(a, b), 0);
    out[name] = { name: `${name}-v${highest + 1}`, hash };
  }
  return out;
}
