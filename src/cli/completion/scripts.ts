/**
 * Shell completion scripts. Each calls `vela-ts __complete WORDS… CURRENT` (hidden; as cobra's
 * `__complete`) and reads `value<TAB>description` lines and a last `:directive` line (bit 2: no space
 * after the word, bit 4: no file names when nothing matched). The candidates come from the CLI's own
 * command tree and from the target cluster, so the scripts never need regenerating.
 */

/** The shells `vela-ts completion` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** The scripts are raw strings; shell parameter expansions are written `\${…}` there so they are not substitutions. */
function script(raw: string): string {
  return raw.replaceAll("\\${", "${");
}

const BASH = script(String.raw`# bash completion for vela-ts
# Load it in this shell:      source <(vela-ts completion bash)
# or for every new shell:     vela-ts completion bash > /etc/bash_completion.d/vela-ts

_vela_ts_complete() {
    local line="\${COMP_LINE:0:COMP_POINT}"
    local -a words
    read -ra words <<< "$line"
    # A line ending in a space starts a new, empty word.
    [[ "$line" =~ [[:space:]]$ ]] && words+=("")
    local current="\${words[\${#words[@]}-1]}"
    # Bash splits words at = and :, so the word it replaces may be the end of ours only.
    local bashword="\${COMP_WORDS[COMP_CWORD]}"
    [[ "$bashword" == "=" || "$bashword" == ":" ]] && bashword=""
    local strip="\${current%"$bashword"}"

    local out
    out=$("\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null) || return 0
    local directive="\${out##*:}"
    out="\${out%:*}"

    COMPREPLY=()
    local entry value
    while IFS= read -r entry; do
        [[ -z "$entry" ]] && continue
        value="\${entry%%$'\t'*}"
        COMPREPLY+=("\${value#"$strip"}")
    done <<< "$out"

    if (( directive & 2 )); then compopt -o nospace 2>/dev/null; fi
    if (( \${#COMPREPLY[@]} == 0 )) && (( (directive & 4) == 0 )); then
        compopt -o default 2>/dev/null
    fi
    return 0
}

complete -o nosort -F _vela_ts_complete vela-ts 2>/dev/null || complete -F _vela_ts_complete vela-ts
`);

const ZSH = script(String.raw`#compdef vela-ts
# zsh completion for vela-ts
# Load it in this shell:      source <(vela-ts completion zsh)
# or for every new shell:     vela-ts completion zsh > "\${fpath[1]}/_vela-ts"

_vela-ts() {
    local -a lines candidates
    local out directive entry value description
    out=$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
    lines=("\${(@f)out}")
    directive="\${lines[-1]#:}"
    for entry in "\${(@)lines[1,-2]}"; do
        [[ -z "$entry" ]] && continue
        value="\${entry%%$'\t'*}"
        description=""
        [[ "$entry" == *$'\t'* ]] && description="\${entry#*$'\t'}"
        value="\${value//:/\\:}"
        if [[ -n "$description" ]]; then candidates+=("$value:$description"); else candidates+=("$value"); fi
    done
    if (( \${#candidates} == 0 )); then
        (( (directive & 4) == 0 )) && _files
        return
    fi
    if (( directive & 2 )); then
        _describe -t values 'vela-ts' candidates -S ''
    else
        _describe -t values 'vela-ts' candidates
    fi
}

if [[ "\${funcstack[1]}" == "_vela-ts" ]]; then
    _vela-ts "$@"
else
    compdef _vela-ts vela-ts
fi
`);

const FISH = script(String.raw`# fish completion for vela-ts
# Load it in this shell:      vela-ts completion fish | source
# or for every new shell:     vela-ts completion fish > ~/.config/fish/completions/vela-ts.fish

function __vela_ts_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l out (command vela-ts __complete $tokens (commandline -ct) 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    for entry in $out
        test -n "$entry"; and printf '%s\n' $entry
    end
    if test (count $out) -eq 0; and test (math --scale=0 "floor($directive / 4) % 2") -eq 0
        __fish_complete_path (commandline -ct)
    end
end

complete -c vela-ts -f -a '(__vela_ts_complete)'
`);

/** The completion script of a shell, with how to load it in its first lines. */
export function completionScript(shell: Shell): string {
  switch (shell) {
    case "bash":
      return BASH;
    case "zsh":
      return ZSH;
    case "fish":
      return FISH;
  }
}
