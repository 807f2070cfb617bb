import type { ServiceView, TimelineStep, WorkflowTimeline } from "../../../../src/dashboard/api-types.ts";
import { ago, exactTime, formatSpan } from "../time.ts";
import { Badge, stepTone } from "./Badge.tsx";

/** The workflow of the current revision as a timeline, with the components' health below. */
export function TimelinePanel(props: {
  readonly workflow: WorkflowTimeline | undefined;
  readonly services: readonly ServiceView[];
  readonly now: number;
}) {
  const { workflow, now } = props;
  // While the workflow runs, a component not healthy yet is on its way, not broken.
  const settled = workflow === undefined || workflow.finished || workflow.terminated;
  return (
    <div class="timeline-panel">
      {workflow === undefined ? (
        <p class="empty">The workflow has not started yet.</p>
      ) : (
        <section aria-labelledby="workflow-title">
          <h2 id="workflow-title">
            Workflow{" "}
            <Badge text={workflow.terminated ? "terminated" : workflow.suspend ? "suspended" : workflow.status} />
          </h2>
          <p class="muted">
            mode {workflow.mode}
            {workflow.startTime === undefined ? "" : ` · started ${ago(workflow.startTime, now)} ago`}
            {workflow.endTime === undefined ? "" : ` · ended ${ago(workflow.endTime, now)} ago`}
          </p>
          {workflow.message !== undefined && <p class="workflow-message">{workflow.message}</p>}
          <Steps steps={workflow.steps} now={now} />
        </section>
      )}
      <section aria-labelledby="services-title">
        <h2 id="services-title">Components</h2>
        {props.services.length === 0 ? (
          <p class="muted">No component reported yet.</p>
        ) : (
          <ul class="services">
            {props.services.map((service) => (
              <li key={service.name}>
                <HealthBadge healthy={service.healthy} settled={settled} /> <strong>{service.name}</strong>
                {service.type === undefined ? "" : <span class="muted"> ({service.type})</span>}
                {service.message === undefined ? "" : <span> — {service.message}</span>}
                {service.traits.length > 0 && (
                  <ul>
                    {service.traits.map((trait) => (
                      <li key={trait.type}>
                        <HealthBadge healthy={trait.healthy} settled={settled} /> trait {trait.type}
                        {trait.message === undefined ? "" : `: ${trait.message}`}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function HealthBadge(props: { readonly healthy: boolean; readonly settled: boolean }) {
  if (props.healthy) return <Badge text="healthy" tone="good" />;
  return props.settled ? <Badge text="unhealthy" tone="bad" /> : <Badge text="not healthy yet" tone="busy" />;
}

function Steps(props: { readonly steps: readonly TimelineStep[]; readonly now: number }) {
  return (
    <ol class="timeline">
      {props.steps.map((step) => (
        <li key={step.id ?? step.name} class={`timeline-step phase-${step.phase}`}>
          <div class="timeline-head">
            <Badge text={step.phase} tone={stepTone(step.phase)} /> <strong>{step.name}</strong>{" "}
            <span class="muted">{step.type}</span>
            {step.firstExecuteTime !== undefined && (
              <span class="muted timeline-time" title={exactTime(step.firstExecuteTime)}>
                {" "}
                · started {ago(step.firstExecuteTime, props.now)} ago
              </span>
            )}
            {step.lastExecuteTime !== undefined && step.lastExecuteTime !== step.firstExecuteTime && (
              <span class="muted timeline-time" title={exactTime(step.lastExecuteTime)}>
                {" "}
                · last run {ago(step.lastExecuteTime, props.now)} ago
              </span>
            )}
            {step.resumesAt !== undefined && (
              <span class="countdown"> · resumes in {formatSpan(Date.parse(step.resumesAt) - props.now)}</span>
            )}
          </div>
          {step.message !== undefined && <p class="timeline-message">{step.message}</p>}
          {step.subSteps.length > 0 && <Steps steps={step.subSteps} now={props.now} />}
        </li>
      ))}
    </ol>
  );
}
