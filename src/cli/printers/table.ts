import { visibleWidth } from "../terminal/style.js";

/**
 * Renders rows as kubectl does (`text/tabwriter` with 3 spaces of padding): upper-case headers,
 * columns as wide as their widest cell, no trailing spaces. Cells may hold ANSI colours: widths count
 * only what a terminal shows.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[column] ?? ""))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) + 3 - visibleWidth(cell)),
      )
      .join("")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** A table whose `-o wide` form has extra columns (kubectl's priority-1 columns). */
export interface WideTable {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Indexes of the columns only `-o wide` shows. */
  readonly wideOnly?: readonly number[];
}

/** Prints a {@link WideTable}, leaving out the wide-only columns unless `wide`. */
export function formatWideTable(table: WideTable, wide: boolean): string {
  const hidden = new Set(wide ? [] : (table.wideOnly ?? []));
  const keep = (cells: readonly string[]): string[] => cells.filter((_, index) => !hidden.has(index));
  return formatTable(keep(table.headers), table.rows.map(keep));
}
