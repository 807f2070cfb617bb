import type { AppListView, AppSummary, SessionInfo } from "../../../../src/dashboard/api-types.ts";
import { useLive } from "../api.ts";
import { appHref } from "../route.ts";
import { ago, exactTime, serverNow, useTick } from "../time.ts";
import { Badge } from "./Badge.tsx";
import { ConnectionBanner } from "./Banner.tsx";
import { DeployButton } from "./DeployDialog.tsx";
import { useState } from "preact/hooks";

function workflowText(app: AppSummary): string {
  const workflow = app.workflow;
  if (workflow === undefined) return "not started";
  if (workflow.terminated) return "terminated";
  if (workflow.suspend) return `suspended${workflow.currentStep === undefined ? "" : ` at ${workflow.currentStep}`}`;
  if (workflow.finished) return workflow.status;
  return `${workflow.status}${workflow.currentStep === undefined ? "" : ` (${workflow.currentStep})`}`;
}

function canaryText(app: AppSummary): string {
  const moving = app.canaries.filter((canary) => canary.inProgress);
  if (moving.length === 0) return app.canaries.length === 0 ? "" : "no release in progress";
  return moving
    .map((canary) => {
      const weight = canary.weight === undefined ? "" : ` at ${canary.weight}%`;
      const wait = canary.paused ? ", paused" : canary.waitingForApproval ? ", waiting for approval" : "";
      return `step ${canary.step}/${canary.steps}${weight}${wait}`;
    })
    .join("; ");
}

function matches(app: AppSummary, filter: string): boolean {
  if (filter === "") return true;
  const needle = filter.toLowerCase();
  return [app.name, app.namespace, app.phase, app.revision?.name ?? ""].some((field) =>
    field.toLowerCase().includes(needle),
  );
}

/** The application list, live. */
export function AppList(props: { readonly session: SessionInfo }) {
  const live = useLive<AppListView>({ kind: "apps" });
  const tick = useTick();
  const [filter, setFilter] = useState("");
  const view = live.data;
  const now = view === undefined ? tick : serverNow(view.now, live.receivedAt, tick);
  const shown = view?.apps.filter((app) => matches(app, filter)) ?? [];
  return (
    <section aria-labelledby="apps-title" class="page">
      <ConnectionBanner health={live.health} stream={live.stream} />
      <div class="page-head">
        <h1 id="apps-title">Applications</h1>
        <div class="page-tools">
          <label class="filter">
            <span class="visually-hidden">Filter applications</span>
            <input
              type="search"
              placeholder="Filter by name, namespace, phase…"
              value={filter}
              onInput={(event) => setFilter((event.target as HTMLInputElement).value)}
            />
          </label>
          <DeployButton session={props.session} />
        </div>
      </div>
      {view === undefined ? (
        <p class="loading">Reading the cluster…</p>
      ) : view.apps.length === 0 ? (
        <p class="empty">
          No applications yet. Deploy one with the <strong>Deploy</strong> button or <code>vela-ts up -f app.yaml</code>
          .
        </p>
      ) : (
        <table class="apps">
          <caption class="visually-hidden">
            {shown.length} of {view.apps.length} applications
          </caption>
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">Namespace</th>
              <th scope="col">Phase</th>
              <th scope="col">Revision</th>
              <th scope="col">Workflow</th>
              <th scope="col">Canary</th>
              <th scope="col">Last change</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((app) => (
              <tr
                key={`${app.namespace}/${app.name}`}
                class={app.attention === undefined ? "" : `attention-${app.attention}`}
              >
                <th scope="row">
                  <a href={appHref(app.namespace, app.name)}>{app.name}</a>
                </th>
                <td>{app.namespace}</td>
                <td>
                  <Badge text={app.phase} />
                  {app.attention === "waiting-for-person" && <Badge text="needs a decision" tone="wait" />}
                </td>
                <td>
                  {app.revision?.name ?? "—"}
                  {app.revision?.publishVersion !== undefined && (
                    <span class="muted"> ({app.revision.publishVersion})</span>
                  )}
                </td>
                <td>{workflowText(app)}</td>
                <td>{canaryText(app)}</td>
                <td title={exactTime(app.lastChange)}>
                  {app.lastChange === undefined ? "" : `${ago(app.lastChange, now)} ago`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
