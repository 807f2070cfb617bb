import { useState } from "preact/hooks";
import type { ApiError, AppDetailView, RevisionDiff } from "../../../../src/dashboard/api-types.ts";
import { ApiFailure, loadDiff } from "../api.ts";
import { ago, exactTime } from "../time.ts";
import { Badge } from "./Badge.tsx";
import { ErrorBox } from "./ErrorBox.tsx";

/** The app's revisions (`vela-ts revision list`) and what changed between two of them. */
export function RevisionsPanel(props: { readonly view: AppDetailView; readonly now: number }) {
  const { view } = props;
  const [diff, setDiff] = useState<RevisionDiff | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const show = async (to: number, against: number): Promise<void> => {
    setError(undefined);
    try {
      setDiff(await loadDiff(view.namespace, view.name, to, against));
    } catch (caught) {
      setError(caught instanceof ApiFailure ? caught.error : { code: "E_NETWORK", message: String(caught) });
    }
  };
  const revisions = [...view.revisions].sort((a, b) => b.number - a.number);
  return (
    <div class="revisions">
      {revisions.length === 0 ? (
        <p class="empty">No revision yet.</p>
      ) : (
        <table class="data-table">
          <caption class="visually-hidden">Revisions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Revision</th>
              <th scope="col">Publish version</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Hash</th>
              <th scope="col">
                <span class="visually-hidden">Changes</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {revisions.map((revision) => {
              const previous = revisions.find((other) => other.number < revision.number);
              return (
                <tr key={revision.name} class={revision.current ? "current" : ""}>
                  <th scope="row">
                    {revision.name} {revision.current && <Badge text="current" tone="good" />}
                  </th>
                  <td>{revision.publishVersion ?? "—"}</td>
                  <td>
                    <Badge text={revision.status} />
                  </td>
                  <td title={exactTime(revision.beginTime)}>
                    {revision.beginTime === undefined ? "" : `${ago(revision.beginTime, props.now)} ago`}
                  </td>
                  <td>
                    <code>{revision.hash.slice(0, 10)}</code>
                  </td>
                  <td>
                    {previous !== undefined && (
                      <button
                        type="button"
                        class="button button-small"
                        onClick={() => void show(revision.number, previous.number)}
                      >
                        Diff with {previous.name}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {error !== undefined && <ErrorBox error={error} />}
      {diff !== undefined && (
        <section aria-labelledby="diff-title" class="diff">
          <h2 id="diff-title">
            {diff.from} → {diff.to}
          </h2>
          {diff.diff === "" ? (
            <p class="muted">The two revisions store the same Application.</p>
          ) : (
            <pre class="diff-text" tabIndex={0} aria-label={`Changes from ${diff.from} to ${diff.to}`}>
              {diff.diff.split("\n").map((line, index) => (
                <span
                  key={index}
                  class={
                    line.startsWith("+") && !line.startsWith("+++")
                      ? "diff-add"
                      : line.startsWith("-") && !line.startsWith("---")
                        ? "diff-del"
                        : line.startsWith("@@")
                          ? "diff-hunk"
                          : ""
                  }
                >
                  {line}
                  {"\n"}
                </span>
              ))}
            </pre>
          )}
        </section>
      )}
    </div>
  );
}
