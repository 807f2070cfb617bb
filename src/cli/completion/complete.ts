import type { Command, Option } from "commander";
import type { CompletionCandidate, CompletionSource } from "../../operations/index.js";
import type { CliContext } from "../context.js";
import { loadController } from "../lazy-controller.js";
import { chooseCluster, targetOptions, type TargetFlags } from "../target-flags.js";

/**
 * What the shell does besides offering the candidates, as cobra's `ShellCompDirective` bits (the
 * scripts read the number after `:` on the last line).
 */
export const DIRECTIVE = {
  /** Offer file names too when there are no candidates. */
  default: 0,
  noSpace: 2,
  /** Never fall back to file names. */
  noFileComp: 4,
} as const;

/** The answer of `vela-ts __complete WORDS… CURRENT`. */
export interface Completion {
  readonly candidates: readonly CompletionCandidate[];
  readonly directive: number;
}

const OUTPUT_VALUES = [
  "yaml",
  "json",
  "wide",
  "name",
  "jsonpath=",
  "custom-columns=",
  "jsonpath-as-json=",
  "jsonpath-file=",
  "custom-columns-file=",
];
const DEFINITION_TYPES = ["component", "trait", "policy", "workflow-step"];

/** Options a command accepts: its own, then its parents' (commander lets a program's options appear anywhere). */
function optionsOf(command: Command): Option[] {
  const all: Option[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) all.push(...current.options);
  return all.filter((option) => !option.hidden);
}

function findOption(command: Command, flag: string): Option | undefined {
  return optionsOf(command).find((option) => option.long === flag || option.short === flag);
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

function visibleCommands(command: Command): Command[] {
  return command
    .createHelp()
    .visibleCommands(command)
    .filter((sub) => sub.name() !== "help");
}

function findSubcommand(command: Command, word: string): Command | undefined {
  return visibleCommands(command).find((sub) => sub.name() === word || sub.aliases().includes(word));
}

/** The path of a command below the program: `revision get`. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent != null; current = current.parent)
    names.unshift(current.name());
  return names.join(" ");
}

/** What the words before the current one say: the command reached, its flag values, its positionals. */
interface Parsed {
  readonly command: Command;
  readonly flags: Readonly<Record<string, string>>;
  readonly positionals: readonly string[];
}

function parseWords(program: Command, words: readonly string[]): Parsed {
  let command = program;
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? "";
    if (!onlyPositionals && word === "--") {
      onlyPositionals = true;
      continue;
    }
    if (!onlyPositionals && word.startsWith("-") && word !== "-") {
      const [flag = "", inline] = word.split(/=(.*)/s, 2);
      const option = findOption(command, flag);
      if (option === undefined || !takesValue(option)) {
        if (option !== undefined) flags[option.attributeName()] = "true";
        continue;
      }
      const value = inline ?? words[++index] ?? "";
      flags[option.attributeName()] = value;
      continue;
    }
    const sub = positionals.length === 0 ? findSubcommand(command, word) : undefined;
    if (sub !== undefined) command = sub;
    else positionals.push(word);
  }
  return { command, flags, positionals };
}

function matching(candidates: readonly CompletionCandidate[], prefix: string): CompletionCandidate[] {
  return candidates.filter((candidate) => candidate.value.startsWith(prefix));
}

function words(values: readonly string[]): CompletionCandidate[] {
  return values.map((value) => ({ value }));
}

/** The cluster source an option's value completes from, or fixed words, or `undefined` for file names. */
function optionValues(
  option: Option,
  parsed: Parsed,
  namespace: string,
): CompletionSource | readonly string[] | undefined {
  switch (option.long) {
    case "--namespace":
      return { kind: "namespaces" };
    case "--output":
      return pathOf(parsed.command) === "def init" ? undefined : OUTPUT_VALUES;
    case "--context":
      return { kind: "contexts" };
    case "--cluster":
      return ["sandbox", "kube"];
    case "--type":
      return pathOf(parsed.command) === "def init" ? ["component", "trait", "step"] : DEFINITION_TYPES;
    case "--cascade":
      return ["background", "foreground", "orphan"];
    case "--revision":
    case "--diff": {
      const app = parsed.positionals[0];
      return app === undefined ? [] : { kind: "revisions", app, namespace };
    }
    default:
      return undefined;
  }
}

/** The cluster source of the next positional argument of a command, by the argument's name. */
function argumentValues(parsed: Parsed, namespace: string): CompletionSource | readonly string[] | undefined {
  const argumentsOf = parsed.command.registeredArguments;
  const index = Math.min(parsed.positionals.length, argumentsOf.length - 1);
  const argument = argumentsOf[index];
  if (argument === undefined || (parsed.positionals.length >= argumentsOf.length && !argument.variadic)) return [];
  const path = pathOf(parsed.command);
  switch (argument.name()) {
    case "app":
      return { kind: "apps", namespace };
    case "revision":
      return parsed.positionals[0] === undefined ? [] : { kind: "revisions", app: parsed.positionals[0], namespace };
    case "shell":
      return ["bash", "zsh", "fish"];
    case "resource":
      return { kind: "resources" };
    case "name":
      if (path === "def doc") return { kind: "definitions" };
      if (path.startsWith("addon ")) return { kind: "addons" };
      return [];
    default:
      return undefined;
  }
}

async function resolveValues(
  values: CompletionSource | readonly string[] | undefined,
  parsed: Parsed,
  ctx: CliContext,
): Promise<Completion | undefined> {
  if (values === undefined) return undefined;
  if (Array.isArray(values)) return { candidates: words(values as readonly string[]), directive: DIRECTIVE.noFileComp };
  const { completionCandidates } = await loadController();
  const flags = parsed.flags as TargetFlags;
  const options = targetOptions(flags, ctx, "vela-ts __complete");
  const source = values as CompletionSource;
  const type = parsed.flags.type;
  const sourceWithType =
    source.kind === "definitions" && type !== undefined && DEFINITION_TYPES.includes(type)
      ? { kind: "definitions" as const, type: type as "component" }
      : source;
  return { candidates: await completionCandidates(sourceWithType, options), directive: DIRECTIVE.noFileComp };
}

/**
 * Completes the last of `words` (the words after `vela-ts`, the last one being typed, maybe empty):
 * subcommands, flags (with their descriptions), flag values (`-o` formats, `--cluster`, namespaces,
 * contexts, revision numbers) and arguments (application names, revisions, definition and addon
 * names, sandbox resources) read from the target cluster. Flags such as `--sandbox`, `--kubeconfig`,
 * `-n` already typed choose that cluster and namespace, as they would for the command.
 */
export async function complete(program: Command, allWords: readonly string[], ctx: CliContext): Promise<Completion> {
  const current = allWords[allWords.length - 1] ?? "";
  const before = allWords.slice(0, -1);
  const parsed = parseWords(program, before);
  const previous = before[before.length - 1];
  const namespaceFlag = parsed.flags.namespace;
  let namespace = "default";
  try {
    if (namespaceFlag !== undefined && namespaceFlag !== "") namespace = namespaceFlag;
    else if (chooseCluster(parsed.flags, ctx.env) === "kube") {
      const { defaultNamespace } = await loadController();
      namespace = await defaultNamespace(targetOptions(parsed.flags, ctx, "vela-ts __complete"));
    }
  } catch {
    namespace = "default";
  }

  // The value of a flag: `-n <TAB>` or `--output=<TAB>`.
  const previousOption =
    previous?.startsWith("-") === true && !previous.includes("=") ? findOption(parsed.command, previous) : undefined;
  const inlineMatch = /^(--?[^=]+)=(.*)$/s.exec(current);
  const valueOption = inlineMatch !== null ? findOption(parsed.command, inlineMatch[1] ?? "") : previousOption;
  if (valueOption !== undefined && takesValue(valueOption) && (inlineMatch !== null || previousOption !== undefined)) {
    const prefix = inlineMatch === null ? "" : `${inlineMatch[1] ?? ""}=`;
    const typed = inlineMatch === null ? current : (inlineMatch[2] ?? "");
    const values = await resolveValues(optionValues(valueOption, parsed, namespace), parsed, ctx);
    if (values === undefined) return { candidates: [], directive: DIRECTIVE.default };
    const found = matching(values.candidates, typed).map((candidate) => ({
      ...candidate,
      value: prefix + candidate.value,
    }));
    const noSpace = found.some((candidate) => candidate.value.endsWith("="));
    return { candidates: found, directive: values.directive | (noSpace ? DIRECTIVE.noSpace : 0) };
  }

  if (current.startsWith("-")) {
    const flags = optionsOf(parsed.command).flatMap((option) =>
      [option.long, option.short]
        .filter((flag): flag is string => flag !== undefined)
        .map((flag) => ({ value: flag, description: option.description })),
    );
    const help = [{ value: "--help", description: "display help for command" }];
    return { candidates: matching([...flags, ...help], current), directive: DIRECTIVE.noFileComp };
  }

  const subcommands = parsed.positionals.length === 0 ? visibleCommands(parsed.command) : [];
  if (subcommands.length > 0) {
    const candidates = subcommands.map((sub) => ({ value: sub.name(), description: sub.description() }));
    return { candidates: matching(candidates, current), directive: DIRECTIVE.noFileComp };
  }
  const values = await resolveValues(argumentValues(parsed, namespace), parsed, ctx);
  if (values === undefined) return { candidates: [], directive: DIRECTIVE.default };
  return { candidates: matching(values.candidates, current), directive: values.directive };
}

/** The text `__complete` prints: `value\tdescription` lines, then `:directive`, as cobra's scripts read it. */
export function formatCompletion(completion: Completion): string {
  const lines = completion.candidates.map((candidate) =>
    candidate.description === undefined || candidate.description === ""
      ? candidate.value
      : `${candidate.value}\t${candidate.description.split("\n")[0] ?? ""}`,
  );
  return `${[...lines, `:${completion.directive}`].join("\n")}\n`;
}
