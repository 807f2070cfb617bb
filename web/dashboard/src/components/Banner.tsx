import type { ClusterHealth } from "../../../../src/dashboard/api-types.ts";
import type { StreamState } from "../api.ts";
import { exactTime } from "../time.ts";

/** What is wrong with the connection: the cluster does not answer, or the dashboard itself is gone. */
export function ConnectionBanner(props: { readonly health: ClusterHealth | undefined; readonly stream: StreamState }) {
  const { health, stream } = props;
  if (stream === "closed") {
    return (
      <div class="banner banner-error" role="alert">
        <strong>The dashboard stopped or restarted.</strong> Open the URL <code>vela-ts dashboard</code> printed to go
        on.
      </div>
    );
  }
  if (stream === "reconnecting") {
    return (
      <div class="banner banner-warning" role="alert">
        <strong>Lost the connection to the dashboard.</strong> Reconnecting…
      </div>
    );
  }
  if (health !== undefined && !health.reachable) {
    return (
      <div class="banner banner-error" role="alert">
        <strong>The cluster does not answer</strong>
        {health.since === undefined ? "" : <> since {exactTime(health.since)}</>}: {health.message}
        {health.hint !== undefined && <div class="banner-hint">{health.hint}</div>}
        <div class="banner-hint">
          What you see below is the last state read; the page updates by itself once it answers.
        </div>
      </div>
    );
  }
  return null;
}
