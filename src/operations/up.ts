import { bindAppfile, deployPlacements, usesPlacementPolicies, type KnownCluster } from "../appfile/index.js";
import { ValidationError, type ValidationIssue } from "../errors/index.js";
import { locateInSource, parseApplications, type ApplicationInput } from "../model/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION } from "../model/labels.js";
import { renderAppfile } from "../render/index.js";
import { toJsonObject } from "../util/index.js";
import { applicationRef, editApplicationSpec } from "../reconciler/application-object.js";
import { driveOrHandOff } from "../controller/controller-handoff.js";
import { findApplicationObjectIssues, findRenderedObjectIssues } from "./rendered-checks.js";
import { declaredWorkflowIssues } from "./validate-workflow.js";
import type { DriveOptions, DriveResult } from "../reconciler/drive.js";
import { withTarget, type Target, type TargetOptions } from "../target/target.js";

/** Options of {@link up}. */
export interface UpOptions extends TargetOptions, Omit<DriveOptions, "progress"> {
  /** The Application YAML text (one or more documents) and the file it came from. */
  readonly text: string;
  readonly file: string;
  /** `-n`: namespace for apps whose metadata names none. @default "default" */
  readonly namespace?: string;
  /** `--publish-version`: sets `app.oam.dev/publishVersion`. */
  readonly publishVersion?: string;
  readonly progress?: (line: string) => void;
}

/** What `up` did, per application. */
export interface UpResult {
  readonly target: string;
  readonly applications: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly created: boolean;
    readonly drive: DriveResult;
  }[];
}

function withPublishVersion(app: ApplicationInput, publishVersion: string | undefined): ApplicationInput {
  if (publishVersion === undefined) return app;
  return {
    ...app,
    metadata: {
      ...app.metadata,
      annotations: { ...app.metadata.annotations, [ANNOTATION_PUBLISH_VERSION]: publishVersion },
    },
  };
}

/**
 * The placements of every deploy step checked against the hub's cluster registry: a topology that
 * names a cluster not joined, or selects none, is an error at the policy's line before anything is written.
 */
function placementIssues(app: ApplicationInput, clusters: readonly KnownCluster[]): ValidationIssue[] {
  if (!usesPlacementPolicies(app)) return [];
  try {
    deployPlacements(app, clusters);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return [...error.issues];
  }
}

/** Parses, binds and renders every application first, so bad input never leaves anything half-applied. */
function validateAll(
  text: string,
  file: string,
  target: Target,
  namespace: string,
  publishVersion: string | undefined,
  clusters: readonly KnownCluster[],
): ApplicationInput[] {
  const issues: ValidationIssue[] = [];
  const apps: ApplicationInput[] = [];
  for (const parsed of parseApplications(text, file)) {
    try {
      const app = withPublishVersion(parsed.application, publishVersion);
      const manifests = renderAppfile(bindAppfile(app, target.registry, { sourceMap: parsed.sourceMap, namespace }));
      const componentIndexes = Object.fromEntries(
        app.spec.components.map((component, index) => [component.name, index]),
      );
      const objectIssues = [
        ...findApplicationObjectIssues(app, parsed.sourceMap),
        ...findRenderedObjectIssues(manifests, parsed.sourceMap, componentIndexes),
      ];
      if (objectIssues.length > 0) throw new ValidationError(objectIssues);
      const placed = placementIssues(app, clusters).map((issue) => {
        const source = issue.path === undefined ? undefined : locateInSource(parsed.sourceMap, issue.path);
        return source === undefined ? issue : { ...issue, source };
      });
      if (placed.length > 0) throw new ValidationError(placed);
      const workflowIssues = declaredWorkflowIssues(app, parsed.sourceMap);
      if (workflowIssues.length > 0) throw new ValidationError(workflowIssues);
      apps.push(app);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return apps;
}

function applicationObject(app: ApplicationInput, namespace: string): KubeObject {
  return {
    apiVersion: app.apiVersion,
    kind: app.kind,
    metadata: {
      name: app.metadata.name,
      namespace: app.metadata.namespace ?? namespace,
      ...(app.metadata.labels === undefined ? {} : { labels: { ...app.metadata.labels } }),
      ...(app.metadata.annotations === undefined ? {} : { annotations: { ...app.metadata.annotations } }),
    },
    spec: toJsonObject(app.spec),
  };
}

/**
 * `vela-ts up -f app.yaml`: validates and renders everything, stores the Application (spec as the
 * user wrote it), then reconciles it (revision, workflow, apply) until nothing more happens without
 * time passing — or, with `wait`, until it finished, failed or waits for a person. When a controller
 * holds the Lease for the app's namespace, it is left to reconcile the stored spec (`wait` follows it).
 */
export async function up(options: UpOptions): Promise<UpResult> {
  const namespace = options.namespace ?? "default";
  return withTarget(options, async (target) => {
    const clusters = await target.members.known();
    const apps = validateAll(options.text, options.file, target, namespace, options.publishVersion, clusters);
    const results: UpResult["applications"][number][] = [];
    for (const app of apps) {
      const object = applicationObject(app, namespace);
      const appNamespace = object.metadata.namespace ?? namespace;
      const existing = await target.cluster.get(applicationRef(app.metadata.name, appNamespace));
      // The spec is replaced as written (like `kubectl apply` of the whole object), never merged:
      // a trait or component removed from the file must disappear from the Application.
      if (existing === undefined) await target.cluster.create(object);
      else
        await editApplicationSpec(target.cluster, existing, (current) => ({
          ...current,
          metadata: {
            ...current.metadata,
            labels: object.metadata.labels ?? {},
            annotations: object.metadata.annotations ?? {},
          },
          spec: object.spec,
        }));
      const drive = await driveOrHandOff(target, app.metadata.name, appNamespace, {
        wait: options.wait,
        sleep: options.sleep,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.progress === undefined ? {} : { progress: options.progress }),
      });
      results.push({ name: app.metadata.name, namespace: appNamespace, created: existing === undefined, drive });
    }
    return { target: target.description, applications: results };
  });
}
