/**
 * CUE source text and positions. A source can be a fragment of a larger file (a template embedded in a
 * YAML block scalar): `line`/`column` say where its first character sits in that file, and `indent`
 * how many columns each following line was shifted left when the fragment was cut out.
 */
export interface CueSource {
  /** File name used in error positions. */
  readonly file: string;
  readonly text: string;
  /**
   * 1-based file line of the text's first line.
   * @default 1
   */
  readonly line?: number;
  /**
   * 1-based file column of the text's first character.
   * @default 1
   */
  readonly column?: number;
  /**
   * Columns to add to every line after the first (the indentation a YAML block scalar removed).
   * @default 0
   */
  readonly indent?: number;
}

/** A position in a user's file: 1-based line and column. */
export interface CuePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Maps offsets of one source text to file positions; line starts are computed once. */
export class SourceFile {
  readonly file: string;
  readonly text: string;
  private readonly lineStarts: number[];
  private readonly baseLine: number;
  private readonly baseColumn: number;
  private readonly indent: number;

  constructor(source: CueSource) {
    this.file = source.file;
    this.text = source.text;
    this.baseLine = source.line ?? 1;
    this.baseColumn = source.column ?? 1;
    this.indent = source.indent ?? 0;
    this.lineStarts = [0];
    for (let index = 0; index < source.text.length; index++) {
      if (source.text.charCodeAt(index) === 10) this.lineStarts.push(index + 1);
    }
  }

  /** The file position of an offset into the text. */
  position(offset: number): CuePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    const column = offset - (this.lineStarts[low] ?? 0) + 1;
    return {
      file: this.file,
      line: this.baseLine + low,
      column: low === 0 ? this.baseColumn + column - 1 : column + this.indent,
    };
  }
}

/** A span of source: the file it is in and its offsets. */
export interface Span {
  readonly source: SourceFile;
  readonly start: number;
  readonly end: number;
}

/** The file position where a span starts. */
export function spanPosition(span: Span): CuePosition {
  return span.source.position(span.start);
}

/** `file:line:col`, as CUE prints positions. */
export function formatPosition(position: CuePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}
