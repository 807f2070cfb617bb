import { useMemo, useRef, useState } from "preact/hooks";
import type { TopologyNode } from "../../../../src/dashboard/api-types.ts";
import { Badge, healthText } from "./Badge.tsx";

/**
 * The resource topology as a left-to-right tree (VelaUX's layout), each parent on the row of its
 * first child so the tree reads from the top left, with a workload's pods as chips inside its card.
 * It is an ARIA tree: arrow keys move between resources, Left/Right collapse and expand, Enter
 * shows a resource's details.
 */

const NODE_WIDTH = 170;
const CARD_HEIGHT = 46;
const CHIP = 18;
const CHIP_GAP = 4;
const CHIPS_PER_ROW = 7;
const ROW_GAP = 8;
const COLUMN_GAP = 22;

/** Pods without children are drawn inside their owner's card. */
function isChip(node: TopologyNode): boolean {
  return node.kind === "Pod" && node.children.length === 0;
}

function chipsOf(node: TopologyNode): TopologyNode[] {
  return node.children.filter(isChip);
}

function cardHeight(node: TopologyNode, open: boolean): number {
  const chips = open ? chipsOf(node).length : 0;
  return chips === 0 ? CARD_HEIGHT : CARD_HEIGHT + Math.ceil(chips / CHIPS_PER_ROW) * (CHIP + CHIP_GAP) + 2;
}

interface Placed {
  readonly node: TopologyNode;
  /** 1-based depth, and place among its parent's children (for assistive technology). */
  readonly level: number;
  readonly setSize: number;
  readonly position: number;
  readonly x: number;
  readonly y: number;
  readonly height: number;
  readonly parent?: Placed;
}

/** Places every shown card: columns by depth, rows top-down, a parent beside its first child. */
function layoutTree(
  root: TopologyNode,
  collapsed: ReadonlySet<string>,
): { placed: Placed[]; width: number; height: number } {
  const placed: Placed[] = [];
  let width = 0;
  const place = (
    node: TopologyNode,
    depth: number,
    top: number,
    parent: Placed | undefined,
    setSize: number,
    position: number,
  ): number => {
    const open = !collapsed.has(node.id);
    const entry: Placed = {
      node,
      level: depth + 1,
      setSize,
      position,
      x: depth * (NODE_WIDTH + COLUMN_GAP),
      y: top,
      height: cardHeight(node, open),
      ...(parent === undefined ? {} : { parent }),
    };
    placed.push(entry);
    width = Math.max(width, entry.x + NODE_WIDTH);
    let bottom = top + entry.height;
    if (open) {
      let next = top;
      const cards = node.children.filter((child) => !isChip(child));
      for (const [index, child] of cards.entries()) {
        const childBottom = place(child, depth + 1, next, entry, cards.length, index + 1);
        bottom = Math.max(bottom, childBottom);
        next = childBottom + ROW_GAP;
      }
    }
    return bottom;
  };
  const height = place(root, 0, 0, undefined, 1, 1);
  return { placed, width: width + 2, height: height + 2 };
}

interface Visible {
  readonly node: TopologyNode;
  readonly parent?: string;
}

/** Every resource a person can reach with the keyboard, in tree order (chips after their owner's card). */
function visibleNodes(root: TopologyNode, collapsed: ReadonlySet<string>): Visible[] {
  const out: Visible[] = [];
  const walk = (node: TopologyNode, parent: string | undefined): void => {
    out.push({ node, ...(parent === undefined ? {} : { parent }) });
    if (collapsed.has(node.id)) return;
    for (const child of node.children) walk(child, node.id);
  };
  walk(root, undefined);
  return out;
}

function describe(node: TopologyNode): string {
  const side = node.side === undefined ? "" : `${node.side}, `;
  return `${node.kind} ${node.name}, ${side}${healthText(node.health)}${node.status === "" ? "" : `, ${node.status}`}`;
}

function nodeClass(node: TopologyNode, selected: boolean): string {
  const side = node.side === undefined ? "" : ` side-${node.side}`;
  return `topo-node health-${node.health}${side}${selected ? " selected" : ""}`;
}

function elbow(parent: Placed, child: Placed): string {
  const x1 = parent.x + NODE_WIDTH;
  const y1 = parent.y + CARD_HEIGHT / 2;
  const x2 = child.x;
  const y2 = child.y + CARD_HEIGHT / 2;
  const mid = x1 + COLUMN_GAP / 2;
  return y1 === y2 ? `M${x1},${y1} H${x2}` : `M${x1},${y1} H${mid} V${y2 - 6} Q${mid},${y2} ${mid + 6},${y2} H${x2}`;
}

export function TopologyPanel(props: { readonly root: TopologyNode }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [active, setActive] = useState<string>(props.root.id);
  const [selected, setSelected] = useState<string | undefined>();
  const container = useRef<HTMLDivElement>(null);

  const layout = useMemo(() => layoutTree(props.root, collapsed), [props.root, collapsed]);
  const visible = useMemo(() => visibleNodes(props.root, collapsed), [props.root, collapsed]);
  const activeId = visible.some((entry) => entry.node.id === active) ? active : props.root.id;
  const selectedNode = visible.find((entry) => entry.node.id === selected)?.node;

  const focusNode = (id: string): void => {
    setActive(id);
    queueMicrotask(() => container.current?.querySelector<HTMLElement>(`[data-node="${CSS.escape(id)}"]`)?.focus());
  };
  const setOpen = (id: string, open: boolean): void => {
    setCollapsed((previous) => {
      const next = new Set(previous);
      if (open) next.delete(id);
      else next.add(id);
      return next;
    });
  };

  const onKeyDown = (event: KeyboardEvent, node: TopologyNode): void => {
    event.stopPropagation();
    const index = visible.findIndex((entry) => entry.node.id === node.id);
    const entry = visible[index];
    if (entry === undefined) return;
    const hasChildren = node.children.length > 0;
    const isOpen = hasChildren && !collapsed.has(node.id);
    const go = (target: Visible | undefined): void => {
      if (target !== undefined) focusNode(target.node.id);
    };
    switch (event.key) {
      case "ArrowDown":
        go(visible[index + 1]);
        break;
      case "ArrowUp":
        go(visible[index - 1]);
        break;
      case "ArrowRight":
        if (hasChildren && !isOpen) setOpen(node.id, true);
        else if (isOpen) go(visible[index + 1]);
        break;
      case "ArrowLeft":
        if (isOpen) setOpen(node.id, false);
        else if (entry.parent !== undefined) focusNode(entry.parent);
        break;
      case "Home":
        go(visible[0]);
        break;
      case "End":
        go(visible[visible.length - 1]);
        break;
      case "Enter":
      case " ":
        setSelected(node.id);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const itemProps = (node: TopologyNode) => ({
    role: "treeitem" as const,
    "data-node": node.id,
    "aria-label": describe(node),
    "aria-selected": selected === node.id,
    tabIndex: node.id === activeId ? 0 : -1,
    onKeyDown: (event: KeyboardEvent) => onKeyDown(event, node),
    onFocus: (event: FocusEvent) => {
      event.stopPropagation();
      setActive(node.id);
    },
    onClick: (event: MouseEvent) => {
      event.stopPropagation();
      setActive(node.id);
      setSelected(node.id);
    },
  });

  return (
    <div class="topology">
      <div class="topology-scroll" ref={container}>
        <div class="topology-canvas" style={{ width: `${layout.width}px`, height: `${layout.height}px` }}>
          <svg class="topology-links" width={layout.width} height={layout.height} aria-hidden="true">
            {layout.placed.map((entry) =>
              entry.parent === undefined ? null : <path key={entry.node.id} d={elbow(entry.parent, entry)} />,
            )}
          </svg>
          <ul role="tree" aria-label="Resource topology" class="topology-tree">
            {layout.placed.map((entry) => {
              const { node } = entry;
              const open = !collapsed.has(node.id);
              const chips = open ? chipsOf(node) : [];
              const hasChildren = node.children.length > 0;
              return (
                <li
                  key={node.id}
                  {...itemProps(node)}
                  aria-level={entry.level}
                  aria-setsize={entry.setSize}
                  aria-posinset={entry.position}
                  aria-expanded={hasChildren ? open : undefined}
                  class={nodeClass(node, selected === node.id)}
                  style={{
                    left: `${entry.x}px`,
                    top: `${entry.y}px`,
                    width: `${NODE_WIDTH}px`,
                    height: `${entry.height}px`,
                  }}
                >
                  <span class="topo-kind">
                    {node.kind}
                    {node.side !== undefined && <span class={`side-tag side-tag-${node.side}`}>{node.side}</span>}
                  </span>
                  <span class="topo-name" title={node.name}>
                    {node.name}
                  </span>
                  <span class="topo-status" title={node.status}>
                    {node.status}
                  </span>
                  {hasChildren && (
                    <span
                      class="topo-toggle"
                      aria-hidden="true"
                      onClick={(event) => {
                        event.stopPropagation();
                        setOpen(node.id, !open);
                      }}
                    >
                      {open ? "−" : `+${node.children.length}`}
                    </span>
                  )}
                  {chips.length > 0 && (
                    <ul role="group" class="topo-chips">
                      {chips.map((pod) => (
                        <li
                          key={pod.id}
                          {...itemProps(pod)}
                          class={`topo-chip health-${pod.health}${selected === pod.id ? " selected" : ""}`}
                          title={`${pod.name}: ${pod.status}`}
                        />
                      ))}
                    </ul>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      </div>
      <aside class="topology-details" aria-label="Selected resource" aria-live="polite">
        {selectedNode === undefined ? (
          <p class="muted">Select a resource (click it, or press Enter on it) to see its details.</p>
        ) : (
          <>
            <h3>
              {selectedNode.kind} {selectedNode.name}
            </h3>
            <dl class="details">
              <div>
                <dt>Health</dt>
                <dd>
                  <Badge text={healthText(selectedNode.health)} />
                </dd>
              </div>
              <div>
                <dt>Status</dt>
                <dd>{selectedNode.status === "" ? "—" : selectedNode.status}</dd>
              </div>
              {selectedNode.side !== undefined && (
                <div>
                  <dt>Side</dt>
                  <dd>{selectedNode.side}</dd>
                </div>
              )}
              <div>
                <dt>Namespace</dt>
                <dd>{selectedNode.namespace ?? "cluster-scoped"}</dd>
              </div>
              {selectedNode.apiVersion !== undefined && (
                <div>
                  <dt>API version</dt>
                  <dd>{selectedNode.apiVersion}</dd>
                </div>
              )}
              <div>
                <dt>Owns</dt>
                <dd>
                  {selectedNode.children.length === 0
                    ? "nothing"
                    : selectedNode.children.map((child) => `${child.kind}/${child.name}`).join(", ")}
                </dd>
              </div>
            </dl>
          </>
        )}
      </aside>
    </div>
  );
}
