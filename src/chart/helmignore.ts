/**
 * `.helmignore` rules (Helm's `pkg/ignore`): one glob per line, `#` comments, `!` negates, a trailing
 * `/` matches directories only, a pattern without `/` matches the base name, one with `/` the path.
 */

interface Rule {
  readonly negate: boolean;
  readonly dirOnly: boolean;
  readonly matchPath: boolean;
  readonly regex: RegExp;
}

/** Parsed ignore rules; `ignores(path, isDir)` says whether a path is left out. */
export interface IgnoreRules {
  ignores(path: string, isDir: boolean): boolean;
}

/**
 * A shell glob (`*`, `?`, `[…]`, with `braces` also `{a,b}` as gobwas/glob reads them) as a regular
 * expression; `*` does not cross `/`, `**` (with `doubleStar`) does.
 */
export function globToRegExp(glob: string, doubleStar = false, braces = false): RegExp {
  let out = "";
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] ?? "";
    if (braces && ch === "{") {
      braceDepth++;
      out += "(?:";
    } else if (braces && ch === "}" && braceDepth > 0) {
      braceDepth--;
      out += ")";
    } else if (braces && ch === "," && braceDepth > 0) out += "|";
    else if (ch === "*") {
      if (doubleStar && glob[i + 1] === "*") {
        out += ".*";
        i++;
      } else out += "[^/]*";
    } else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) out += "\\[";
      else {
        out += `[${glob
          .slice(i + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else if (ch === "\\" && i + 1 < glob.length) {
      out += `\\${glob[++i] ?? ""}`;
    } else out += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Parses `.helmignore` text. Helm always ignores `templates/.helmignore`-style VCS noise only when listed. */
export function parseHelmignore(text: string): IgnoreRules {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.slice(0, -1);
    line = line.replace(/^\.\//, "").replace(/^\//, "");
    if (line === "") continue;
    rules.push({ negate, dirOnly, matchPath: line.includes("/"), regex: globToRegExp(line, true) });
  }
  return {
    ignores(path: string, isDir: boolean): boolean {
      const base = path.split("/").pop() ?? path;
      let ignored = false;
      for (const rule of rules) {
        if (rule.dirOnly && !isDir) continue;
        const hit = rule.regex.test(rule.matchPath ? path : base);
        if (hit) ignored = !rule.negate;
      }
      return ignored;
    },
  };
}
