import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import type { CommandEnv } from "../command.js";
import { completionScript, SHELLS, type Shell } from "../completion/scripts.js";
import { examples } from "../help.js";

/** `vela-ts completion bash|zsh|fish`: prints the shell's completion script. */
export function registerCompletion(program: Command, env: CommandEnv): void {
  const command = program
    .command("completion <shell>")
    .description(
      "print the completion script of bash, zsh or fish: commands, flags, and app names, revisions, definitions from the target cluster",
    );
  examples(command, [
    [
      "bash: load it in this shell (source <(vela-ts completion bash)), or save it for every shell",
      "vela-ts completion bash",
    ],
    ["zsh: source <(vela-ts completion zsh), or save it as _vela-ts in a folder of $fpath", "vela-ts completion zsh"],
    ["fish: vela-ts completion fish | source, or save it in ~/.config/fish/completions/", "vela-ts completion fish"],
  ]);
  command.action((shell: string) => {
    const known = SHELLS.find((candidate) => candidate === shell);
    if (known === undefined)
      throw new UsageError(`no completion for shell "${shell}"`, { hint: `use one of: ${SHELLS.join(", ")}` });
    env.ctx.stdout.write(completionScript(known satisfies Shell));
  });
}
