import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";

export interface TabSpec {
  readonly id: string;
  readonly label: string;
}

/** WAI-ARIA tabs: arrow keys move between tabs, Home/End to the ends; the panel follows the selection. */
export function Tabs(props: {
  readonly label: string;
  readonly tabs: readonly TabSpec[];
  readonly selected: string;
  readonly onSelect: (id: string) => void;
  readonly children: ComponentChildren;
}) {
  const list = useRef<HTMLDivElement>(null);
  const focusTab = (id: string): void => {
    props.onSelect(id);
    queueMicrotask(() => list.current?.querySelector<HTMLElement>(`[data-tab="${id}"]`)?.focus());
  };
  const onKeyDown = (event: KeyboardEvent): void => {
    const index = props.tabs.findIndex((tab) => tab.id === props.selected);
    let next: number | undefined;
    if (event.key === "ArrowRight") next = (index + 1) % props.tabs.length;
    else if (event.key === "ArrowLeft") next = (index - 1 + props.tabs.length) % props.tabs.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = props.tabs.length - 1;
    const tab = next === undefined ? undefined : props.tabs[next];
    if (tab === undefined) return;
    event.preventDefault();
    focusTab(tab.id);
  };
  return (
    <div class="tabs">
      <div role="tablist" aria-label={props.label} ref={list} onKeyDown={onKeyDown} class="tablist">
        {props.tabs.map((tab) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            data-tab={tab.id}
            aria-selected={tab.id === props.selected}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === props.selected ? 0 : -1}
            onClick={() => props.onSelect(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`panel-${props.selected}`}
        aria-labelledby={`tab-${props.selected}`}
        tabIndex={0}
        class="tabpanel"
      >
        {props.children}
      </div>
    </div>
  );
}
