import { NotFoundError } from "../errors/index.js";
import type { DefinitionKind } from "../model/index.js";
import { closestMatches, sha256OfJson } from "../util/index.js";
import type {
  ComponentDefinition,
  Definition,
  DefinitionType,
  PolicyDefinition,
  TraitDefinition,
  WorkflowStepDefinition,
} from "./types.js";
import { DEFINITION_TYPE_OF_KIND } from "./types.js";

/**
 * Compiled artefacts (templates, validators) kept for as long as the registry lives. Owned by one
 * registry so a revision rendered from its own snapshot of definitions never shares them.
 */
export interface CompileCache {
  get<T>(key: string, create: () => T): T;
}

function createCompileCache(): CompileCache {
  const entries = new Map<string, unknown>();
  return {
    get<T>(key: string, create: () => T): T {
      if (entries.has(key)) return entries.get(key) as T;
      const value = create();
      entries.set(key, value);
      return value;
    },
  };
}

/** Options of {@link DefinitionRegistry}. */
export interface DefinitionRegistryOptions {
  /**
   * Addons whose definitions count. Definitions of other addons are known only to explain
   * "enable it with: vela-ts addon enable <addon>".
   * @default every addon (dry-run sees all bundled definitions)
   */
  readonly enabledAddons?: readonly string[];
}

type KindMap = {
  ComponentDefinition: ComponentDefinition;
  TraitDefinition: TraitDefinition;
  WorkflowStepDefinition: WorkflowStepDefinition;
  PolicyDefinition: PolicyDefinition;
};

/** What a lookup miss should tell the user. */
export interface DefinitionMiss {
  readonly message: string;
  readonly hint: string;
}

function baseName(type: string): string {
  const at = type.indexOf("@");
  return at < 0 ? type : type.slice(0, at);
}

/**
 * Definitions by kind + name (the last loaded wins), with "did you mean" and addon hints for
 * misses. `findX` returns undefined, `getX` throws `E_DEF_NOT_FOUND`. `type@vN` looks up `type`.
 */
export class DefinitionRegistry {
  /** Compiled templates and validators for these definitions. */
  readonly cache: CompileCache = createCompileCache();
  private readonly enabled = new Map<string, Definition>();
  private readonly disabled = new Map<string, Definition>();
  private readonly fingerprints = new Map<string, string>();

  constructor(definitions: readonly Definition[], options: DefinitionRegistryOptions = {}) {
    const enabledAddons = options.enabledAddons === undefined ? undefined : new Set(options.enabledAddons);
    for (const definition of definitions) {
      const key = `${definition.kind}/${definition.name}`;
      const addon = definition.origin.addon;
      if (addon !== undefined && enabledAddons !== undefined && !enabledAddons.has(addon)) {
        this.disabled.set(key, definition);
        continue;
      }
      this.enabled.set(key, definition);
    }
  }

  /** Every usable definition (of one kind), sorted by kind then name. */
  list(kind?: DefinitionKind): Definition[] {
    return [...this.enabled.values()]
      .filter((definition) => kind === undefined || definition.kind === kind)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }

  /** Names of the usable definitions of a kind, sorted. */
  names(kind: DefinitionKind): string[] {
    return this.list(kind).map((definition) => definition.name);
  }

  find<K extends DefinitionKind>(kind: K, type: string): KindMap[K] | undefined {
    return this.enabled.get(`${kind}/${baseName(type)}`) as KindMap[K] | undefined;
  }

  /**
   * A hash of the usable definition of `kind` and `type` (everything it was parsed into, origin
   * included), or undefined when there is none. Computed once per definition and registry, so
   * telling whether the definitions an app uses changed costs a lookup each.
   */
  fingerprint(kind: DefinitionKind, type: string): string | undefined {
    const definition = this.find(kind, type);
    if (definition === undefined) return undefined;
    const key = `${kind}/${definition.name}`;
    let fingerprint = this.fingerprints.get(key);
    if (fingerprint === undefined) {
      fingerprint = sha256OfJson(definition);
      this.fingerprints.set(key, fingerprint);
    }
    return fingerprint;
  }

  /** Looks a definition up by name across all kinds (`def doc NAME`). */
  findAnyKind(name: string): Definition[] {
    return this.list().filter((definition) => definition.name === baseName(name));
  }

  findComponent(type: string): ComponentDefinition | undefined {
    return this.find("ComponentDefinition", type);
  }

  findTrait(type: string): TraitDefinition | undefined {
    return this.find("TraitDefinition", type);
  }

  findPolicy(type: string): PolicyDefinition | undefined {
    return this.find("PolicyDefinition", type);
  }

  findWorkflowStep(type: string): WorkflowStepDefinition | undefined {
    return this.find("WorkflowStepDefinition", type);
  }

  /** Message and hint for a type that is not usable: which addon would provide it, or what is close. */
  describeMiss(kind: DefinitionKind, type: string): DefinitionMiss {
    const noun = DEFINITION_TYPE_OF_KIND[kind] === "workflow-step" ? "workflow step" : DEFINITION_TYPE_OF_KIND[kind];
    const message = `${noun} type "${type}" is not defined`;
    const fromAddon = this.disabled.get(`${kind}/${baseName(type)}`)?.origin.addon;
    if (fromAddon !== undefined)
      return {
        message,
        hint: `"${baseName(type)}" comes with the addon "${fromAddon}"; enable it with: vela-ts addon enable ${fromAddon}`,
      };
    const known = this.names(kind);
    const close = closestMatches(baseName(type), known);
    const list = known.length > 0 ? `known ${noun}s: ${known.join(", ")}` : `no ${noun} definitions are loaded`;
    return {
      message,
      hint:
        close.length > 0
          ? `did you mean "${close.join('" or "')}"? ${list}`
          : `${list}; add one with --definitions DIR, or store one with vela-ts def apply FILE`,
    };
  }

  get<K extends DefinitionKind>(kind: K, type: string): KindMap[K] {
    const found = this.find(kind, type);
    if (found !== undefined) return found;
    const miss = this.describeMiss(kind, type);
    throw new NotFoundError("E_DEF_NOT_FOUND", miss.message, { hint: miss.hint });
  }

  getComponent(type: string): ComponentDefinition {
    return this.get("ComponentDefinition", type);
  }

  getTrait(type: string): TraitDefinition {
    return this.get("TraitDefinition", type);
  }

  getPolicy(type: string): PolicyDefinition {
    return this.get("PolicyDefinition", type);
  }

  getWorkflowStep(type: string): WorkflowStepDefinition {
    return this.get("WorkflowStepDefinition", type);
  }

  /** Maps a short type (`component`, `trait`, …) to the registry's definitions of that kind. */
  listByType(type: DefinitionType | undefined): Definition[] {
    return this.list().filter((definition) => type === undefined || DEFINITION_TYPE_OF_KIND[definition.kind] === type);
  }
}
