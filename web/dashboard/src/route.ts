import { useEffect, useState } from "preact/hooks";

/** Where the page is: the list, or one app (and its tab). Kept in the URL's hash, so links and Back work. */
export type Route =
  | { readonly page: "apps" }
  | { readonly page: "app"; readonly namespace: string; readonly name: string; readonly tab?: string };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((part) => part !== "")
    .map(decodeURIComponent);
  if (parts[0] === "apps" && parts[1] !== undefined && parts[2] !== undefined) {
    return { page: "app", namespace: parts[1], name: parts[2], ...(parts[3] === undefined ? {} : { tab: parts[3] }) };
  }
  return { page: "apps" };
}

export function appHref(namespace: string, name: string, tab?: string): string {
  return `#/apps/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${tab === undefined ? "" : `/${tab}`}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
