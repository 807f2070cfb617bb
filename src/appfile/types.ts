import type {
  CompileCache,
  ComponentDefinition,
  PolicyDefinition,
  TraitDefinition,
  WorkflowStepDefinition,
} from "../definitions/index.js";
import type {
  ApplicationInput,
  ComponentInput,
  DataInput,
  DataOutput,
  SourceMap,
  WorkflowMode,
} from "../model/index.js";
import type { JsonObject } from "../util/index.js";

/** A trait bound to its TraitDefinition, properties validated and defaulted. */
export interface AppfileTrait {
  readonly type: string;
  readonly definition: TraitDefinition;
  /** Validated properties: defaults applied, every declared field present (absent optional ones null). */
  readonly properties: JsonObject;
  /** Pointer of the trait in the Application (`/spec/components/0/traits/1`). */
  readonly path: string;
}

/** A component bound to its ComponentDefinition (KubeVela's appfile.Component). */
export interface AppfileComponent {
  readonly name: string;
  readonly type: string;
  readonly definition: ComponentDefinition;
  readonly properties: JsonObject;
  readonly traits: readonly AppfileTrait[];
  readonly dependsOn: readonly string[];
  readonly inputs: readonly DataInput[];
  readonly outputs: readonly DataOutput[];
  readonly externalRevision?: string;
  readonly path: string;
  /** The component as the user wrote it. */
  readonly input: ComponentInput;
}

/** A policy bound to its PolicyDefinition. */
export interface AppfilePolicy {
  /** The given name, or KubeVela's `<type>-auto-gen-<index>`. */
  readonly name: string;
  readonly type: string;
  readonly definition: PolicyDefinition;
  readonly properties: JsonObject;
  readonly path: string;
}

/** A workflow step (or sub-step) bound to its WorkflowStepDefinition. */
export interface AppfileWorkflowStep {
  readonly name: string;
  readonly type: string;
  readonly definition: WorkflowStepDefinition;
  readonly properties: JsonObject;
  readonly dependsOn: readonly string[];
  readonly if?: string;
  readonly timeout?: string;
  readonly inputs: readonly DataInput[];
  readonly outputs: readonly DataOutput[];
  readonly alias?: string;
  readonly mode?: WorkflowMode;
  readonly subSteps: readonly AppfileWorkflowStep[];
  readonly path: string;
}

/** The app's declared workflow (absent when the app declares none: the workflow engine generates it). */
export interface AppfileWorkflow {
  readonly ref?: string;
  readonly mode?: { readonly steps?: WorkflowMode; readonly subSteps?: WorkflowMode };
  readonly steps: readonly AppfileWorkflowStep[];
}

/** The bound Application: the output of bind and the input of render (KubeVela's Appfile). */
export interface Appfile {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly publishVersion?: string;
  readonly application: ApplicationInput;
  readonly components: readonly AppfileComponent[];
  readonly policies: readonly AppfilePolicy[];
  readonly workflow?: AppfileWorkflow;
  /** Compiled templates and validators of the registry the app was bound against. */
  readonly cache: CompileCache;
  /** The source map of the Application file, when it came from one. */
  readonly sourceMap?: SourceMap;
}
