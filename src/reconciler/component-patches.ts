import { refKey, type TrackedResource } from "../cluster/tracker.js";
import { VelaError } from "../errors/index.js";
import { isKubeObject, refOf, type KubeObject } from "../model/kube-object.js";
import { applyPatch, type ComponentManifest, type RenderedOutput, type TraitManifest } from "../render/index.js";
import { isJsonObject, type JsonObject, type JsonValue, toJsonValue } from "../util/index.js";
import type { ApplyComponentOptions } from "../workflow/index.js";

/**
 * Workflow steps that apply a component with patches on its rendered outputs, as KubeVela v1.1's
 * `op.#ApplyComponent` does with `patch: traits: <output>: {...}` (the `canary-rollout` and
 * `canary-rollback` steps patch the `rollout`, `virtualService` and `destinationRule` outputs).
 *
 * The patched objects are what is applied and what the revision's ResourceTracker records, and they
 * carry {@link ANNOTATION_PATCHED_BY_STEP}; state keep then re-applies the recorded manifest for those
 * objects instead of the plain render, so a finished workflow keeps what its steps set (as
 * KubeVela's resource keeper re-applies the dispatched manifests).
 */

/** Annotation on an object a workflow step applied with patches: the step's name. */
export const ANNOTATION_PATCHED_BY_STEP = "app.oam.dev/patched-by-step";

/** One patch of a component's rendered output, found by output name in the component and its traits. */
export interface OutputPatch {
  /** Output name (`virtualService`, `rollout`); every output of that name is patched. */
  readonly output: string;
  /** Merge patch (maps merge, lists replace unless keyed). */
  readonly patch: JsonObject;
  /** Paths whose value replaces the target's (KubeVela `+patchStrategy=retainKeys`), e.g. `/spec/http`. @default [] */
  readonly replacePaths?: readonly string[];
}

/** {@link ApplyComponentOptions} of a step that patches outputs. */
export interface OutputPatchOptions extends ApplyComponentOptions {
  readonly outputPatches: readonly OutputPatch[];
  /** The step applying them, recorded in {@link ANNOTATION_PATCHED_BY_STEP}. */
  readonly patchedBy: string;
  /** Output names applied before the component's other objects, in this order (traffic before subsets). @default [] */
  readonly applyFirst?: readonly string[];
}

/** The output patches carried by a step's `applyComponent` options, if any. */
export function outputPatchesOf(options: ApplyComponentOptions | undefined): OutputPatchOptions | undefined {
  if (options === undefined || !("outputPatches" in options) || !("patchedBy" in options)) return undefined;
  const candidate = options as Partial<OutputPatchOptions>;
  return Array.isArray(candidate.outputPatches) && typeof candidate.patchedBy === "string"
    ? (options as OutputPatchOptions)
    : undefined;
}

function markPatched(object: KubeObject, stepName: string): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: { ...(object.metadata.annotations ?? {}), [ANNOTATION_PATCHED_BY_STEP]: stepName },
    },
  };
}

function patchOutput(output: RenderedOutput, options: OutputPatchOptions): RenderedOutput {
  const patches = options.outputPatches.filter((patch) => patch.output === output.name);
  if (patches.length === 0) return output;
  let value: JsonValue = toJsonValue(output.object);
  for (const patch of patches) value = applyPatch(value, patch.patch, { replacePaths: patch.replacePaths ?? [] });
  // A patch that removes the envelope (`metadata: null`) is the step's mistake, not a vela-ts bug.
  if (!isKubeObject(value))
    throw new VelaError(
      "E_PATCH_INVALID",
      `step "${options.patchedBy}" patches output "${output.name}" into something ` +
        "that is no longer a Kubernetes object (apiVersion, kind and metadata are needed)",
      { hint: "patch fields below the object's envelope, e.g. spec.…; never apiVersion, kind or metadata as a whole" },
    );
  const object = value;
  return { name: output.name, object: markPatched(object, options.patchedBy) };
}

function rank(names: readonly string[], outputs: readonly RenderedOutput[]): number {
  const found = outputs.map((output) => names.indexOf(output.name)).filter((index) => index >= 0);
  return found.length === 0 ? names.length : Math.min(...found);
}

/**
 * The component's manifest with the patches applied to its outputs (component and trait outputs)
 * and the `applyFirst` outputs moved to the front of the apply order. Throws `E_OUTPUT_NOT_FOUND`
 * when a patch names an output the component does not render.
 */
export function patchComponentOutputs(manifest: ComponentManifest, options: OutputPatchOptions): ComponentManifest {
  const names = new Set(
    [...manifest.outputs, ...manifest.traits.flatMap((trait) => trait.outputs)].map((output) => output.name),
  );
  const missing = options.outputPatches.map((patch) => patch.output).filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new VelaError(
      "E_OUTPUT_NOT_FOUND",
      `component "${manifest.name}" renders no output named ${missing.map((name) => `"${name}"`).join(", ")}`,
      {
        hint:
          `its outputs are ${[...names].sort().join(", ") || "none"}; the step patches the first component's ` +
          "rollout, virtualService and destinationRule (traits rollout and canary-traffic)",
      },
    );
  }
  const first = options.applyFirst ?? [];
  const order = (outputs: readonly RenderedOutput[]): RenderedOutput[] =>
    [...outputs].sort((a, b) => rank(first, [a]) - rank(first, [b]));
  const traits: TraitManifest[] = manifest.traits
    .map((trait) => ({ ...trait, outputs: order(trait.outputs.map((output) => patchOutput(output, options))) }))
    .sort((a, b) => rank(first, a.outputs) - rank(first, b.outputs));
  return { ...manifest, outputs: order(manifest.outputs.map((output) => patchOutput(output, options))), traits };
}

/**
 * For state keep: the rendered manifest with every object a step patched (its recorded manifest
 * carries {@link ANNOTATION_PATCHED_BY_STEP}) replaced by what the step applied.
 */
export function keepStepPatches(manifest: ComponentManifest, recorded: readonly TrackedResource[]): ComponentManifest {
  const patched = new Map<string, KubeObject>();
  for (const resource of recorded) {
    const raw = resource.raw;
    if (
      !isKubeObject(raw) ||
      !isJsonObject(raw.metadata.annotations) ||
      typeof raw.metadata.annotations[ANNOTATION_PATCHED_BY_STEP] !== "string"
    )
      continue;
    patched.set(refKey(resource), raw);
  }
  if (patched.size === 0) return manifest;
  const keep = (output: RenderedOutput): RenderedOutput => {
    const found = patched.get(refKey(refOf(output.object)));
    return found === undefined ? output : { name: output.name, object: found };
  };
  return {
    ...manifest,
    outputs: manifest.outputs.map(keep),
    traits: manifest.traits.map((trait) => ({ ...trait, outputs: trait.outputs.map(keep) })),
  };
}

/** A trait a workflow step attaches to a component for its own apply (KubeVela's inline override policy). */
export interface ExtraTrait {
  readonly type: string;
  readonly properties: JsonObject;
}

/**
 * {@link ApplyComponentOptions} of a step that applies a component with more traits than the app
 * declares (`canary-deploy` attaches `rolling-release`, as KubeVela's step does with an inline
 * override policy). The component is bound and rendered again with them, from the revision's own
 * definitions; the extra traits' outputs are applied before the component's other objects.
 */
export interface ExtraTraitOptions extends ApplyComponentOptions {
  readonly extraTraits: readonly ExtraTrait[];
}

/** The extra traits carried by a step's `applyComponent` options, if any. */
export function extraTraitsOf(options: ApplyComponentOptions | undefined): readonly ExtraTrait[] | undefined {
  if (options === undefined || !("extraTraits" in options)) return undefined;
  const traits = (options as Partial<ExtraTraitOptions>).extraTraits;
  return Array.isArray(traits) && traits.length > 0 ? traits : undefined;
}
