import type { JsonData } from "../../../../src/dashboard/api-types.ts";

function isRecord(value: JsonData): value is { readonly [key: string]: JsonData } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scalar(value: JsonData): string {
  if (value === null) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Whatever analysis a Rollout's status holds: lists of records as tables, records as terms, the rest as text. */
export function AnalysisTable(props: { readonly field: string; readonly value: JsonData }) {
  return (
    <div class="analysis-entry">
      <p class="muted">
        <code>{props.field}</code>
      </p>
      <JsonView value={props.value} label={props.field} />
    </div>
  );
}

function JsonView(props: { readonly value: JsonData; readonly label: string }) {
  const { value } = props;
  if (Array.isArray(value)) {
    const rows = value as readonly JsonData[];
    if (rows.length > 0 && rows.every(isRecord)) {
      const columns = [...new Set(rows.flatMap((row) => Object.keys(row as Record<string, JsonData>)))];
      return (
        <table class="data-table">
          <caption class="visually-hidden">{props.label}</caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={index}>
                {columns.map((column) => (
                  <td key={column}>{scalar((row as Record<string, JsonData>)[column] ?? null)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
    return <span>{rows.map(scalar).join(", ")}</span>;
  }
  if (isRecord(value)) {
    return (
      <dl class="json-record">
        {Object.entries(value).map(([key, entry]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>
              {typeof entry === "object" && entry !== null ? <JsonView value={entry} label={key} /> : scalar(entry)}
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <span>{scalar(value)}</span>;
}
