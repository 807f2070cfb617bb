import { apiVersionOf, resolveResource } from "../cluster/resources.js";
import { UsageError, VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { managingApp } from "../reconciler/adoption.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
import type { JsonObject } from "../util/index.js";
import { decompileObjects, type DecompiledApplication } from "./adopt-decompile.js";
import { withTarget, type TargetOptions } from "../target/target.js";

/** How the adopted objects are held: only read, or owned from now on. */
export type AdoptMode = "read-only" | "take-over";

/** Options of {@link adoptResources}. */
export interface AdoptOptions extends TargetOptions {
  /** `<kind>/<name>` as kubectl takes them (`deployment/web`, `svc/web`, `ingress.networking.k8s.io/web`). */
  readonly resources: readonly string[];
  /** @default "read-only" (as `vela adopt`) */
  readonly mode?: AdoptMode;
  /** The Application's name. @default the first resource's name */
  readonly app?: string;
  /** Namespace of the objects and of the Application. @default "default" */
  readonly namespace?: string;
  /**
   * Reverse-render the objects into a component with traits (the definitions' decompile rules)
   * instead of a `ref-objects` component; the result says what applying it would change.
   */
  readonly decompile?: boolean;
}

/** What {@link adoptResources} proposes. */
export interface AdoptResult {
  readonly target: string;
  /** The Application: one `ref-objects` component and the `read-only` or `take-over` policy. */
  readonly application: KubeObject;
  /** The live objects it adopts, in the order given. */
  readonly objects: readonly KubeObject[];
  /** Notes for the user (objects another application manages now). */
  readonly notes: readonly string[];
  /** With `decompile`: the proposal's rendering compared with the live objects. */
  readonly decompiled?: DecompiledApplication;
}

/** `deployment/web` → the resource type and name, or a usage error naming the argument. */
function parseResourceArgument(argument: string): { readonly apiVersion: string; kind: string; name: string } {
  const slash = argument.indexOf("/");
  if (slash <= 0 || slash === argument.length - 1 || argument.indexOf("/", slash + 1) >= 0) {
    throw new UsageError(`"${argument}" is not <kind>/<name>`, {
      hint: "name each object as kubectl does, e.g. deployment/web service/web ingress/web",
    });
  }
  const type = resolveResource(argument.slice(0, slash));
  return { apiVersion: apiVersionOf(type), kind: type.kind, name: argument.slice(slash + 1) };
}

/**
 * `vela-ts adopt <kind>/<name>…` (KubeVela's `vela adopt`, native resources): reads the named
 * objects and proposes an Application that adopts them without changing them — a `ref-objects`
 * component (upstream writes `k8s-objects`; `ref-objects` re-applies nothing of the objects) and a
 * `read-only` or `take-over` policy selecting it. Writes nothing to the cluster.
 */
export async function adoptResources(options: AdoptOptions): Promise<AdoptResult> {
  if (options.resources.length === 0) {
    throw new UsageError("name at least one object to adopt", { hint: "vela-ts adopt deployment/web service/web" });
  }
  const wanted = options.resources.map(parseResourceArgument);
  const namespace = options.namespace ?? "default";
  const mode = options.mode ?? "read-only";
  const appName = options.app ?? wanted[0]?.name ?? "";
  return withTarget(options, async (target) => {
    const objects: KubeObject[] = [];
    for (const ref of wanted) {
      const live = await target.cluster.get({ ...ref, namespace });
      if (live === undefined) {
        throw new VelaError("E_ADOPT_NOT_FOUND", `${ref.kind} ${namespace}/${ref.name} does not exist`, {
          hint: `adopt existing objects only: vela-ts sandbox get ${ref.kind.toLowerCase()} -n ${namespace}`,
        });
      }
      objects.push(live);
    }
    const notes = objects.flatMap((object) => {
      const owner = managingApp(object);
      return owner === undefined || owner === `${namespace}/${appName}`
        ? []
        : [
            `${object.kind} ${namespace}/${object.metadata.name ?? ""} is managed by application ${owner}` +
              (mode === "take-over" ? ": applying moves it to this application" : ""),
          ];
    });
    if (options.decompile === true) {
      const decompiled = decompileObjects({ appName, namespace, objects });
      return { target: target.description, application: decompiled.application, objects, notes, decompiled };
    }
    return {
      target: target.description,
      application: adoptionApplication(appName, namespace, mode, objects),
      objects,
      notes,
    };
  });
}

/** The proposed Application for {@link adoptResources}. */
export function adoptionApplication(
  appName: string,
  namespace: string,
  mode: AdoptMode,
  objects: readonly KubeObject[],
): KubeObject {
  const component: JsonObject = {
    name: appName,
    type: "ref-objects",
    properties: {
      objects: objects.map((object) => ({
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name ?? "",
      })),
    },
  };
  return {
    apiVersion: APPLICATION_API_VERSION,
    kind: APPLICATION_KIND,
    metadata: { name: appName, namespace, labels: { "app.oam.dev/adopt": "native" } },
    spec: {
      components: [component],
      policies: [{ name: mode, type: mode, properties: { rules: [{ selector: { componentNames: [appName] } }] } }],
    },
  };
}
