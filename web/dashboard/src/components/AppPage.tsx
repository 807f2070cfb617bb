import type { AppDetailView, AppGone, SessionInfo } from "../../../../src/dashboard/api-types.ts";
import { useLive } from "../api.ts";
import { appHref } from "../route.ts";
import { ago, exactTime, serverNow, useTick } from "../time.ts";
import { ActionBar } from "./ActionBar.tsx";
import { Badge } from "./Badge.tsx";
import { ConnectionBanner } from "./Banner.tsx";
import { CanaryPanel } from "./CanaryPanel.tsx";
import { ConditionsPanel } from "./ConditionsPanel.tsx";
import { RevisionsPanel } from "./RevisionsPanel.tsx";
import { Tabs, type TabSpec } from "./Tabs.tsx";
import { TimelinePanel } from "./TimelinePanel.tsx";
import { TopologyPanel } from "./TopologyPanel.tsx";

const TABS: readonly TabSpec[] = [
  { id: "canary", label: "Canary" },
  { id: "topology", label: "Topology" },
  { id: "workflow", label: "Workflow" },
  { id: "revisions", label: "Revisions" },
  { id: "conditions", label: "Conditions & events" },
];

function isGone(view: AppDetailView | AppGone | undefined): view is AppGone {
  return view !== undefined && "gone" in view;
}

/** One application, live: its state, the release buttons, and the tabs. */
export function AppPage(props: {
  readonly session: SessionInfo;
  readonly namespace: string;
  readonly name: string;
  readonly tab: string | undefined;
}) {
  const live = useLive<AppDetailView | AppGone>({ kind: "app", namespace: props.namespace, name: props.name });
  const tick = useTick();
  const view = live.data;
  const selected = TABS.some((tab) => tab.id === props.tab)
    ? (props.tab ?? "canary")
    : view !== undefined && !isGone(view) && view.canaries.length === 0
      ? "topology"
      : "canary";
  const select = (id: string): void => {
    history.replaceState(null, "", appHref(props.namespace, props.name, id));
    dispatchEvent(new HashChangeEvent("hashchange"));
  };
  return (
    <section aria-labelledby="app-title" class="page">
      <ConnectionBanner health={live.health} stream={live.stream} />
      {view === undefined ? (
        <>
          <h1 id="app-title">{props.name}</h1>
          <p class="loading">Reading the application…</p>
        </>
      ) : isGone(view) ? (
        <>
          <h1 id="app-title">{props.name}</h1>
          <p class="empty" role="status">
            Application {props.namespace}/{props.name} does not exist (any more). <a href="#/">Back to the list</a>
          </p>
        </>
      ) : (
        <AppBody
          view={view}
          session={props.session}
          now={serverNow(view.now, live.receivedAt, tick)}
          selected={selected}
          onSelect={select}
        />
      )}
    </section>
  );
}

function AppBody(props: {
  readonly view: AppDetailView;
  readonly session: SessionInfo;
  readonly now: number;
  readonly selected: string;
  readonly onSelect: (id: string) => void;
}) {
  const { view, now } = props;
  return (
    <>
      <div class="page-head">
        <div>
          <h1 id="app-title">
            {view.name} <span class="muted title-ns">in {view.namespace}</span>
          </h1>
          <dl class="facts">
            <div>
              <dt>Phase</dt>
              <dd>
                <Badge text={view.phase} />
              </dd>
            </div>
            <div>
              <dt>Revision</dt>
              <dd>
                {view.revision?.name ?? "none yet"}
                {view.revision?.publishVersion !== undefined && (
                  <span class="muted"> ({view.revision.publishVersion})</span>
                )}
              </dd>
            </div>
            {view.rollback !== undefined && (
              <div>
                <dt>Rolled back</dt>
                <dd title={exactTime(view.rollback.time)}>
                  {view.rollback.from === undefined ? "" : `from ${view.rollback.from} `}to {view.rollback.to}
                  {view.rollback.time === undefined ? "" : `, ${ago(view.rollback.time, now)} ago`}
                </dd>
              </div>
            )}
            <div>
              <dt>Created</dt>
              <dd title={exactTime(view.createdAt)}>
                {view.createdAt === undefined ? "" : `${ago(view.createdAt, now)} ago`}
              </dd>
            </div>
          </dl>
        </div>
        <ActionBar view={view} session={props.session} />
      </div>
      {view.reconciledBy !== undefined && (
        <p class="note">
          The controller <code>{view.reconciledBy}</code> reconciles this application; the dashboard reads it and writes
          only what the buttons ask for.
        </p>
      )}
      {view.waitingFor !== undefined && (
        <p class="waiting" role="status">
          <Badge text="needs a decision" tone="wait" /> {view.waitingFor.replace(/; approve with:.*$/, "")}
        </p>
      )}
      <Tabs label="Application views" tabs={TABS} selected={props.selected} onSelect={props.onSelect}>
        {props.selected === "canary" ? (
          <CanaryPanel view={view} now={now} />
        ) : props.selected === "topology" ? (
          <TopologyPanel root={view.topology} />
        ) : props.selected === "workflow" ? (
          <TimelinePanel workflow={view.workflow} services={view.services} now={now} />
        ) : props.selected === "revisions" ? (
          <RevisionsPanel view={view} now={now} />
        ) : (
          <ConditionsPanel conditions={view.conditions} events={view.events} now={now} />
        )}
      </Tabs>
    </>
  );
}
