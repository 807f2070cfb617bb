import { useState } from "preact/hooks";
import type {
  ActionName,
  ActionResult,
  ActionState,
  ApiError,
  AppDetailView,
  SessionInfo,
} from "../../../../src/dashboard/api-types.ts";
import { ApiFailure, runAction } from "../api.ts";
import { Dialog } from "./Dialog.tsx";
import { DeployButton } from "./DeployDialog.tsx";
import { ErrorBox } from "./ErrorBox.tsx";

const ORDER: readonly ActionName[] = ["resume", "suspend", "rollback", "terminate", "restart"];

/** The outcome shown under the buttons after an action. */
type Outcome =
  { readonly action: string; readonly result: ActionResult } | { readonly action: string; readonly error: ApiError };

function errorOf(error: unknown): ApiError {
  return error instanceof ApiFailure
    ? error.error
    : { code: "E_NETWORK", message: error instanceof Error ? error.message : String(error) };
}

/** The release buttons, each behind a confirmation that says what it does and the CLI command it equals. */
export function ActionBar(props: { readonly view: AppDetailView; readonly session: SessionInfo }) {
  const { view } = props;
  const [open, setOpen] = useState<ActionName | undefined>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [revision, setRevision] = useState<number | undefined>();

  const confirm = async (action: ActionName, label: string): Promise<void> => {
    setBusy(true);
    try {
      const result = await runAction(
        view.namespace,
        view.name,
        action,
        action === "rollback" && revision !== undefined ? { revision } : {},
      );
      setOutcome({ action: label, result });
    } catch (error) {
      setOutcome({ action: label, error: errorOf(error) });
    } finally {
      setBusy(false);
      setOpen(undefined);
    }
  };

  const state = (action: ActionName): ActionState => view.actions[action];
  const rollback = view.actions.rollback;
  const chosen = revision ?? rollback.defaultTarget ?? rollback.targets[0]?.number;
  const current = open === undefined ? undefined : state(open);
  return (
    <div class="actions">
      <div role="group" aria-label="Release actions" class="action-buttons">
        {ORDER.map((action) => {
          const item = state(action);
          return (
            <button
              key={action}
              type="button"
              class={buttonClass(action, item.enabled)}
              aria-disabled={!item.enabled || busy}
              title={item.description}
              onClick={() => {
                if (!item.enabled || busy) return;
                setOutcome(undefined);
                setRevision(undefined);
                setOpen(action);
              }}
            >
              {item.label}
            </button>
          );
        })}
        <DeployButton session={props.session} app={view} />
      </div>
      <div aria-live="polite" class="action-outcome">
        {outcome !== undefined &&
          ("error" in outcome ? (
            <div>
              <strong>{outcome.action} failed</strong>
              <ErrorBox error={outcome.error} />
            </div>
          ) : (
            <div class="outcome-ok" role="status">
              <strong>{outcome.action}: done.</strong> {outcome.result.messages.join(" ")}
            </div>
          ))}
      </div>
      {open !== undefined && current !== undefined && (
        <Dialog title={`${current.label} ${view.name}?`} onClose={() => setOpen(undefined)}>
          <p>{open === "rollback" ? rollbackText(view, chosen) : `${capitalize(current.description)}.`}</p>
          {open === "rollback" && rollback.targets.length > 0 && (
            <label class="field">
              <span>Revision to go back to</span>
              <select
                value={String(chosen)}
                onChange={(event) => setRevision(Number((event.target as HTMLSelectElement).value))}
              >
                {rollback.targets.map((target) => (
                  <option key={target.number} value={String(target.number)}>
                    {target.name}
                    {target.publishVersion === undefined ? "" : ` (${target.publishVersion})`} — {target.status}
                    {target.number === rollback.defaultTarget ? ", last succeeded" : ""}
                  </option>
                ))}
              </select>
            </label>
          )}
          <p class="muted">
            Same as{" "}
            <code>
              {open === "rollback" && chosen !== undefined && chosen !== rollback.defaultTarget
                ? `${current.command} --revision ${chosen}`
                : current.command}
            </code>
          </p>
          <div class="dialog-buttons">
            <button type="button" class="button" onClick={() => setOpen(undefined)} disabled={busy}>
              Cancel
            </button>
            <button
              type="button"
              class={`button ${open === "rollback" || open === "terminate" ? "button-danger-solid" : "button-primary"}`}
              onClick={() => void confirm(open, current.label)}
              disabled={busy}
            >
              {busy ? "Working…" : current.label}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

function buttonClass(action: ActionName, enabled: boolean): string {
  if (action === "resume" && enabled) return "button button-primary";
  return action === "rollback" || action === "terminate" ? "button button-danger" : "button";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function rollbackText(view: AppDetailView, chosen: number | undefined): string {
  const target = view.actions.rollback.targets.find((entry) => entry.number === chosen);
  const first = view.actions.rollback.suspendsFirst ? "The release is running: it is suspended first, then " : "";
  const verb = first === "" ? "Roll" : "rolled";
  return (
    `${first}${verb} back to ${target?.name ?? "the chosen revision"}: all traffic goes to the stable pods first, ` +
    "the canary is removed, and the stable pods keep running."
  );
}
