import type { KubeObject } from "../../../model/kube-object.js";

/** The simulated routers, in the order an ambiguous request tries them. */
export const ROUTER_NAMES = ["ingress-nginx", "higress", "traefik", "gateway-api", "istio"] as const;

/** A simulated router: ingress-nginx and Higress (Ingress), Traefik (IngressRoute), Gateway API (HTTPRoute), Istio. */
export type RouterName = (typeof ROUTER_NAMES)[number];

/** One simulated HTTP request. Header names are matched case-insensitively. */
export interface RouteRequest {
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: Readonly<Record<string, string>>;
}

/** Options of `routeRequests`. */
export interface RouteOptions extends RouteRequest {
  /** Number of requests. @default 100 */
  readonly count?: number;
  /** PRNG seed. @default 1 */
  readonly seed?: number | string;
  /** Route a mesh request straight to this Service (Istio sidecar semantics) instead of through an Ingress/Gateway. */
  readonly service?: string;
  /** Namespace for `service`. @default "default" */
  readonly namespace?: string;
  /** Addons whose routers answer (`ingress-nginx`, `istio`); others are ignored. @default both */
  readonly enabledAddons?: ReadonlySet<string>;
  /** Send the requests through this router only. @default the first router with a route for host and path */
  readonly router?: RouterName;
  /** Told of every request as it is answered (the sandbox's request log records them). */
  readonly onOutcome?: (outcome: RouteOutcome) => void;
}

/** Where one request ended. */
export interface RouteOutcome {
  readonly status: number;
  readonly pod?: string;
  readonly image?: string;
  /** `namespace/service` (plus `:subset`) that answered, or the reason there was no answer. */
  readonly backend: string;
  /** Answered by the canary backend of a canary Ingress (ingress-nginx's `canary` label). */
  readonly canary?: boolean;
}

/** The answer of `routeRequests`: counts per image, pod, status and backend (sorted keys). */
export interface RouteSummary {
  readonly requests: number;
  readonly byImage: Readonly<Record<string, number>>;
  readonly byPod: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byBackend: Readonly<Record<string, number>>;
  /** The image of each pod that answered. */
  readonly podImages: Readonly<Record<string, string>>;
  /** Which router answered (`none` when no router has a route for the host and path). */
  readonly router: RouterName | "none";
  /** The object whose rule matched (`Ingress default/web`, `HTTPRoute default/web`…), when one did. */
  readonly route?: string;
}

/** A backend's ready endpoints. */
export interface Endpoints {
  readonly service: KubeObject | undefined;
  readonly pods: readonly KubeObject[];
}
