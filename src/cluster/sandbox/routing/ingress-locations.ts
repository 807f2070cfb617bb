import type { KubeObject } from "../../../model/kube-object.js";
import { objectsAt, stringAt } from "../controllers/common/fields.js";

/** One location of an Ingress controller: an Ingress path with its backend. */
export interface Location {
  readonly ingress: KubeObject;
  readonly host: string;
  readonly path: string;
  readonly pathType: string;
  readonly service: string;
}

/** The locations of one Ingress, in rule then path order. */
export function locationsOf(ingress: KubeObject): Location[] {
  return objectsAt(ingress, ["spec", "rules"]).flatMap((rule) =>
    objectsAt(rule, ["http", "paths"]).map((path) => ({
      ingress,
      host: typeof rule.host === "string" ? rule.host : "",
      path: typeof path.path === "string" ? path.path : "/",
      pathType: typeof path.pathType === "string" ? path.pathType : "ImplementationSpecific",
      service: stringAt(path, ["backend", "service", "name"]) ?? stringAt(path, ["backend", "serviceName"]) ?? "",
    })),
  );
}

/** A main location with its position among all the controller's main locations (the order ties keep). */
export interface RankedLocation {
  readonly location: Location;
  readonly rank: number;
}

/**
 * The locations of the Ingresses one controller serves, looked up by host: main (non-canary)
 * locations by exact lower-case host, those with a wildcard or no host apart (they may match any
 * host), and canary locations by namespace, host and path, each canary Ingress's in name order.
 */
export interface IngressLocations {
  readonly byHost: ReadonlyMap<string, readonly RankedLocation[]>;
  readonly anyHost: readonly RankedLocation[];
  readonly canaries: ReadonlyMap<string, readonly Location[]>;
}

type Accepts = (ingress: KubeObject) => boolean;

/** Built per Ingress list: a store hands out the same list until an Ingress changes. */
const BUILT = new WeakMap<readonly KubeObject[], Map<Accepts, Map<Accepts, IngressLocations>>>();

/** The canary lookup key of a location. */
export function canaryKey(namespace: string | undefined, host: string, path: string): string {
  return `${namespace ?? ""}\u0000${host}\u0000${path}`;
}

/**
 * The {@link IngressLocations} of the Ingresses in `ingresses` that `accepts`, canaries told apart
 * by `isCanary`; memoised on the list, so lookups for many hosts in one pass build it once instead
 * of walking every Ingress per host.
 */
export function ingressLocations(
  ingresses: readonly KubeObject[],
  accepts: Accepts,
  isCanary: Accepts,
): IngressLocations {
  let byAccepts = BUILT.get(ingresses);
  if (byAccepts === undefined) BUILT.set(ingresses, (byAccepts = new Map<Accepts, Map<Accepts, IngressLocations>>()));
  let byCanary = byAccepts.get(accepts);
  if (byCanary === undefined) byAccepts.set(accepts, (byCanary = new Map<Accepts, IngressLocations>()));
  const known = byCanary.get(isCanary);
  if (known !== undefined) return known;
  const built = build(ingresses.filter(accepts), isCanary);
  byCanary.set(isCanary, built);
  return built;
}

function build(accepted: readonly KubeObject[], isCanary: Accepts): IngressLocations {
  const byHost = new Map<string, RankedLocation[]>();
  const anyHost: RankedLocation[] = [];
  let rank = 0;
  for (const ingress of accepted.filter((candidate) => !isCanary(candidate))) {
    for (const location of locationsOf(ingress)) {
      const ranked = { location, rank: rank++ };
      if (location.host === "" || location.host.includes("*")) anyHost.push(ranked);
      else {
        const host = location.host.toLowerCase();
        const list = byHost.get(host);
        if (list === undefined) byHost.set(host, [ranked]);
        else list.push(ranked);
      }
    }
  }
  const canaries = new Map<string, Location[]>();
  const canaryIngresses = accepted
    .filter((ingress) => isCanary(ingress))
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  for (const ingress of canaryIngresses) {
    for (const location of locationsOf(ingress)) {
      const key = canaryKey(ingress.metadata.namespace, location.host, location.path);
      const list = canaries.get(key);
      if (list === undefined) canaries.set(key, [location]);
      else list.push(location);
    }
  }
  return { byHost, anyHost, canaries };
}
