import type { ConditionView, EventView } from "../../../../src/dashboard/api-types.ts";
import { ago, exactTime } from "../time.ts";
import { Badge } from "./Badge.tsx";

/** The Application's and its Rollouts' conditions, and the Kubernetes Events about them. */
export function ConditionsPanel(props: {
  readonly conditions: readonly ConditionView[];
  readonly events: readonly EventView[];
  readonly now: number;
}) {
  return (
    <div class="conditions">
      <section aria-labelledby="conditions-title">
        <h2 id="conditions-title">Conditions</h2>
        {props.conditions.length === 0 ? (
          <p class="muted">No conditions reported.</p>
        ) : (
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Object</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">Message</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {props.conditions.map((condition) => (
                <tr key={`${condition.object}/${condition.type}`}>
                  <td>{condition.object}</td>
                  <th scope="row">{condition.type}</th>
                  <td>
                    <Badge text={condition.status} />
                  </td>
                  <td>{condition.reason ?? ""}</td>
                  <td>{condition.message ?? ""}</td>
                  <td title={exactTime(condition.lastTransitionTime)}>
                    {condition.lastTransitionTime === undefined
                      ? ""
                      : `${ago(condition.lastTransitionTime, props.now)} ago`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="events-title">
        <h2 id="events-title">Events</h2>
        {props.events.length === 0 ? (
          <p class="muted">No events about this application or its Rollouts.</p>
        ) : (
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Reason</th>
                <th scope="col">Object</th>
                <th scope="col">Message</th>
                <th scope="col">Count</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {props.events.map((event, index) => (
                <tr key={index}>
                  <td>
                    <Badge text={event.type} tone={event.type === "Warning" ? "bad" : "none"} />
                  </td>
                  <td>{event.reason}</td>
                  <td>{event.object}</td>
                  <td>{event.message}</td>
                  <td>{event.count}</td>
                  <td title={exactTime(event.lastTimestamp)}>
                    {event.lastTimestamp === undefined ? "" : `${ago(event.lastTimestamp, props.now)} ago`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
