import type {
  AppDetailView,
  CanaryStepView,
  CanaryView,
  HeaderMatchView,
  PodView,
  TrafficSplit,
} from "../../../../src/dashboard/api-types.ts";
import { ago, exactTime, formatSpan } from "../time.ts";
import { AnalysisTable } from "./AnalysisTable.tsx";
import { Badge } from "./Badge.tsx";

/** The canary view of each Rollout of the app, as the Argo Rollouts dashboard shows one. */
export function CanaryPanel(props: { readonly view: AppDetailView; readonly now: number }) {
  if (props.view.canaries.length === 0) {
    return (
      <p class="empty">
        This application has no canary Rollout (no <code>kruise-rollout</code> trait): its releases replace the pods
        directly. The Topology tab shows what runs.
      </p>
    );
  }
  return (
    <div class="canaries">
      {props.view.canaries.map((canary) => (
        <CanaryCard key={`${canary.namespace}/${canary.rollout}`} canary={canary} now={props.now} />
      ))}
    </div>
  );
}

function stepText(step: CanaryStepView): string {
  const parts: string[] = [];
  if (step.weight !== undefined) parts.push(`${step.weight}% of traffic`);
  if (step.replicas !== undefined)
    parts.push(`${step.replicas} ${/%$/.test(step.replicas) ? "of the pods" : step.replicas === "1" ? "pod" : "pods"}`);
  if (step.matches.length > 0) parts.push(`requests with ${matchesText(step.matches)}`);
  parts.push(
    step.pauseDuration === undefined
      ? "then waits for approval"
      : `then waits ${step.pauseDuration}${/^\d+$/.test(step.pauseDuration) ? "s" : ""}`,
  );
  return parts.join(", ");
}

function matchText(match: readonly HeaderMatchView[]): string {
  return match
    .map((header) => `${header.name} ${header.type === "RegularExpression" ? "~" : "="} ${header.value}`)
    .join(" and ");
}

function matchesText(matches: readonly (readonly HeaderMatchView[])[]): string {
  return matches.map(matchText).join(" or ");
}

function CanaryCard(props: { readonly canary: CanaryView; readonly now: number }) {
  const { canary, now } = props;
  const title = `Rollout ${canary.rollout}`;
  const timeLeft = canary.resumesAt === undefined ? undefined : Math.max(0, Date.parse(canary.resumesAt) - now);
  const summaryId = `canary-${canary.rollout}`;
  return (
    <article class="card canary" aria-labelledby={summaryId}>
      <header class="card-head">
        <h2 id={summaryId}>
          {title}
          {canary.component !== undefined && <span class="muted"> · component {canary.component}</span>}
        </h2>
        <Badge text={canary.paused ? "Paused" : canary.phase} />
      </header>
      <dl class="facts canary-facts">
        <div>
          <dt>Step</dt>
          <dd>
            {canary.inProgress && canary.step > 0
              ? `${canary.step}/${canary.steps}`
              : canary.inProgress
                ? `starting (0/${canary.steps})`
                : `— (${canary.steps} steps)`}
          </dd>
        </div>
        <div>
          <dt>Canary weight</dt>
          <dd>{canary.inProgress && canary.weight !== undefined ? `${canary.weight}%` : "0%"}</dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>{canary.inProgress ? (canary.state ?? "—") : "no release in progress"}</dd>
        </div>
        {timeLeft !== undefined && (
          <div>
            <dt>Pause ends in</dt>
            <dd>
              <span class="countdown" title={exactTime(canary.resumesAt)}>
                {formatSpan(timeLeft)}
              </span>
            </dd>
          </div>
        )}
      </dl>
      {canary.message !== undefined && <p class="canary-message">{canary.message}</p>}
      <div class="canary-grid">
        <section aria-labelledby={`${summaryId}-steps`} class="steps">
          <h3 id={`${summaryId}-steps`}>Steps</h3>
          <ol class="step-list">
            {canary.stepList.map((step) => (
              <li
                key={step.index}
                class={`step step-${step.state}`}
                aria-current={step.state === "current" ? "step" : undefined}
              >
                <span class="step-marker" aria-hidden="true">
                  {step.state === "done" ? "✓" : step.state === "current" ? "▶" : step.index}
                </span>
                <span class="step-body">
                  <span class="step-title">Step {step.index}</span> <span class="visually-hidden">({step.state})</span>
                  <span class="step-text">{stepText(step)}</span>
                </span>
              </li>
            ))}
          </ol>
          {canary.headerMatches.length > 0 && (
            <p class="header-matches">
              At this step, requests with <code>{matchesText(canary.headerMatches)}</code> go to the canary.
            </p>
          )}
        </section>
        <PodGroup
          title="Stable"
          revision={canary.stableRevision}
          pods={canary.stablePods}
          now={now}
          id={`${summaryId}-stable`}
        />
        <PodGroup
          title="Canary"
          revision={canary.canaryRevision}
          pods={canary.canaryPods}
          now={now}
          id={`${summaryId}-canary`}
        />
      </div>
      {canary.traffic !== undefined && <TrafficBar traffic={canary.traffic} id={`${summaryId}-traffic`} />}
      {canary.analysis.length > 0 && (
        <section aria-labelledby={`${summaryId}-analysis`} class="analysis">
          <h3 id={`${summaryId}-analysis`}>Analysis</h3>
          {canary.analysis.map((entry) => (
            <AnalysisTable key={entry.field} field={entry.field} value={entry.value} />
          ))}
        </section>
      )}
    </article>
  );
}

function PodGroup(props: {
  readonly title: string;
  readonly revision: string | undefined;
  readonly pods: readonly PodView[];
  readonly now: number;
  readonly id: string;
}) {
  const ready = props.pods.filter((pod) => pod.ready && !pod.terminating).length;
  const images = [...new Set(props.pods.map((pod) => pod.image ?? "unknown image"))];
  return (
    <section aria-labelledby={props.id} class={`pods pods-${props.title.toLowerCase()}`}>
      <h3 id={props.id}>
        {props.title} pods{" "}
        <span class="pod-count">
          {ready}/{props.pods.length} ready
        </span>
      </h3>
      <p class="pod-meta">
        {props.revision === undefined ? "no revision" : `revision ${props.revision}`}
        {images.length > 0 && (
          <>
            {" · "}
            {images.join(", ")}
          </>
        )}
      </p>
      {props.pods.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <table class="pod-table">
          <caption class="visually-hidden">{props.title} pods</caption>
          <thead>
            <tr>
              <th scope="col">Pod</th>
              <th scope="col">Status</th>
              <th scope="col">Age</th>
              <th scope="col">Restarts</th>
            </tr>
          </thead>
          <tbody>
            {props.pods.map((pod) => (
              <tr key={pod.name}>
                <th scope="row" title={pod.image}>
                  {pod.name}
                </th>
                <td>
                  <Badge text={pod.terminating ? "Terminating" : pod.ready ? "Ready" : pod.phase} />
                </td>
                <td title={exactTime(pod.createdAt)}>{ago(pod.createdAt, props.now)}</td>
                <td>{pod.restarts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A share as a percentage: whole when exact, else one decimal (so the parts visibly add up). */
function percent(count: number, total: number): string {
  const value = (100 * count) / total;
  return Number.isInteger(value) ? `${value}%` : `${value.toFixed(1)}%`;
}

function TrafficBar(props: { readonly traffic: TrafficSplit; readonly id: string }) {
  const { traffic } = props;
  const total = Math.max(1, traffic.requests);
  const failed = Object.entries(traffic.byStatus)
    .filter(([status]) => !status.startsWith("2"))
    .reduce((sum, [, count]) => sum + count, 0);
  return (
    <section aria-labelledby={props.id} class="traffic">
      <h3 id={props.id}>Traffic split</h3>
      <p class="muted">
        {traffic.requests} sample requests to{" "}
        <code>
          {traffic.host}
          {traffic.path}
        </code>{" "}
        through {traffic.router}, at the current routing
      </p>
      <div class="traffic-bar" aria-hidden="true">
        {traffic.shares.map((share) => (
          <span
            key={`${share.image}/${share.side ?? ""}`}
            class={`traffic-share traffic-${share.side ?? "other"}`}
            style={{ width: `${(100 * share.count) / total}%` }}
          />
        ))}
      </div>
      <ul class="traffic-legend">
        {traffic.shares.map((share) => (
          <li key={`${share.image}/${share.side ?? ""}`}>
            <span class={`swatch traffic-${share.side ?? "other"}`} aria-hidden="true" />
            {share.side === undefined ? "" : `${share.side}: `}
            {share.image} — {percent(share.count, total)} ({share.count})
          </li>
        ))}
        {failed > 0 && <li>{failed} requests without an answer (no ready pod)</li>}
      </ul>
    </section>
  );
}
