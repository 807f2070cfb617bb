/** Splits a command line as a POSIX shell would (quotes and backslashes; no expansions). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const char = line[index] ?? "";
    if (char === "'") {
      const end = line.indexOf("'", index + 1);
      word = (word ?? "") + line.slice(index + 1, end);
      index = end;
    } else if (char === '"') {
      let text = "";
      for (index++; index < line.length && line[index] !== '"'; index++) {
        if (line[index] === "\\" && /["\\$`]/.test(line[index + 1] ?? "")) index++;
        text += line[index];
      }
      word = (word ?? "") + text;
    } else if (char === "\\") {
      word = (word ?? "") + (line[++index] ?? "");
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + char;
  }
  if (word !== undefined) words.push(word);
  return words;
}
