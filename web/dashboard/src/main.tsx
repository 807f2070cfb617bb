import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { SessionInfo } from "../../../src/dashboard/api-types.ts";
import { ApiFailure, loadSession } from "./api.ts";
import { AppList } from "./components/AppList.tsx";
import { AppPage } from "./components/AppPage.tsx";
import { useRoute } from "./route.ts";

function Shell() {
  const [session, setSession] = useState<SessionInfo | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const route = useRoute();
  useEffect(() => {
    loadSession().then(setSession, (error: unknown) =>
      setFailure(
        error instanceof ApiFailure && error.status === 401
          ? "This page has no valid token: open the URL vela-ts dashboard printed."
          : `The dashboard does not answer: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }, []);
  useEffect(() => {
    document.title = route.page === "app" ? `${route.name} · vela-ts dashboard` : "Applications · vela-ts dashboard";
  }, [route]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          vela-ts
        </a>
        <nav aria-label="Breadcrumb" class="crumbs">
          <ol>
            <li>
              <a href="#/" aria-current={route.page === "apps" ? "page" : undefined}>
                Applications
              </a>
            </li>
            {route.page === "app" && (
              <li>
                <span aria-current="page">
                  {route.namespace}/{route.name}
                </span>
              </li>
            )}
          </ol>
        </nav>
        {session !== undefined && (
          <p class="target" title={`vela-ts ${session.version}`}>
            <span class="target-kind">{session.targetKind === "sandbox" ? "Sandbox" : "Cluster"}</span>{" "}
            <span class="target-name">{session.target.replace(/^(sandbox|cluster) /, "")}</span>
            {session.namespace !== undefined && <span class="target-ns"> · namespace {session.namespace}</span>}
          </p>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {failure !== undefined ? (
          <div class="banner banner-error" role="alert">
            {failure}
          </div>
        ) : session === undefined ? (
          <p class="loading">Loading…</p>
        ) : route.page === "apps" ? (
          <AppList session={session} />
        ) : (
          <AppPage
            key={`${route.namespace}/${route.name}`}
            session={session}
            namespace={route.namespace}
            name={route.name}
            tab={route.tab}
          />
        )}
      </main>
    </>
  );
}

const root = document.getElementById("root");
if (root !== null) render(<Shell />, root);
