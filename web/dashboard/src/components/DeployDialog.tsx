import { useState } from "preact/hooks";
import type { ApiError, AppDetailView, DeployResult, SessionInfo } from "../../../../src/dashboard/api-types.ts";
import { ApiFailure, deploy, loadManifest } from "../api.ts";
import { appHref } from "../route.ts";
import { Dialog } from "./Dialog.tsx";
import { ErrorBox } from "./ErrorBox.tsx";

const TEMPLATE = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: my-app
spec:
  components:
    - name: my-app
      type: webservice
      properties:
        image: nginx:1.27
`;

/** "Deploy": edit an Application's YAML (the current one, or a new one) and release it, as `vela-ts up -f`. */
export function DeployButton(props: {
  readonly session: SessionInfo;
  readonly app?: Pick<AppDetailView, "namespace" | "name">;
}) {
  const [open, setOpen] = useState(false);
  const [yaml, setYaml] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [result, setResult] = useState<DeployResult | undefined>();

  const start = async (): Promise<void> => {
    setError(undefined);
    setResult(undefined);
    setOpen(true);
    if (props.app === undefined) {
      setYaml(TEMPLATE);
      return;
    }
    setBusy(true);
    try {
      setYaml((await loadManifest(props.app.namespace, props.app.name)).yaml);
    } catch (caught) {
      setError(caught instanceof ApiFailure ? caught.error : { code: "E_NETWORK", message: String(caught) });
    } finally {
      setBusy(false);
    }
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const deployed = await deploy(yaml);
      setResult(deployed);
      const first = deployed.applications[0];
      if (props.app === undefined && first !== undefined) location.hash = appHref(first.namespace, first.name);
      setOpen(false);
    } catch (caught) {
      setError(caught instanceof ApiFailure ? caught.error : { code: "E_NETWORK", message: String(caught) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" class="button" onClick={() => void start()}>
        Deploy
      </button>
      {result !== undefined && (
        <span class="visually-hidden" role="status">
          Deployed {result.applications.map((app) => `${app.name} (${app.revision ?? "no revision"})`).join(", ")}
        </span>
      )}
      {open && (
        <Dialog
          title={props.app === undefined ? "Deploy an application" : `Deploy ${props.app.name}`}
          onClose={() => setOpen(false)}
          wide
        >
          <form onSubmit={(event) => void submit(event)}>
            <label class="field">
              <span>
                Application YAML (as <code>vela-ts up -f</code> takes it; a changed spec makes a new revision and starts
                its workflow)
              </span>
              <textarea
                class="yaml"
                spellcheck={false}
                rows={18}
                value={yaml}
                onInput={(event) => setYaml((event.target as HTMLTextAreaElement).value)}
              />
            </label>
            {error !== undefined && <ErrorBox error={error} />}
            <p class="muted">
              Same as <code>vela-ts up -f app.yaml</code>
              {props.session.targetKind === "kube" ? " against the cluster" : " on the sandbox"}.
            </p>
            <div class="dialog-buttons">
              <button type="button" class="button" onClick={() => setOpen(false)} disabled={busy}>
                Cancel
              </button>
              <button type="submit" class="button button-primary" disabled={busy || yaml.trim() === ""}>
                {busy ? "Working…" : "Deploy"}
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  );
}
