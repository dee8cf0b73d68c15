/**
 * The drawing of one node's neighbourhood (cytoscape, canvas): the node in the middle, its
 * edges' other ends around it, coloured by kind. Clicking a node asks to open it. The canvas
 * is a picture for sighted mouse users: the same edges are listed as links beside it.
 */
import cytoscape, { type Core } from "cytoscape";
import { useEffect, useRef } from "react";

/** A node to draw. */
export interface CanvasNode {
  key: string;
  name: string;
  kind: string;
}

/** An edge to draw, from one drawn node to another. */
export interface CanvasEdge {
  from: string;
  to: string;
  label: string;
}

/** On-screen label sizes at the default (fitted) zoom, in px: legible, never the ~5 px a fitted drawing gave. */
const NODE_LABEL_PX = 12;
const EDGE_LABEL_PX = 11;

/** Colours per kind (read against both themes' surfaces). */
const KIND_COLOURS: Record<string, string> = {
  service: "#1f5fd6",
  app: "#7b3fd6",
  library: "#2f855a",
  package: "#2f855a",
  container: "#b7791f",
  image: "#8a6d3b",
  datastore: "#c05621",
  queue: "#c53030",
  api: "#0e7490",
  event: "#be185d",
  owner: "#4a5568",
  decision: "#6b46c1",
  workspace: "#718096",
};

/** The colour a kind is drawn in (also used by the legend). */
export function kindColour(kind: string): string {
  return KIND_COLOURS[kind] ?? "#718096";
}

/**
 * Cytoscape adds a <style> to the page (its container's `position: relative`) unless an
 * element with its stylesheet's id exists; the CSP refuses inline styles, and the container
 * is `relative` already, so an empty element takes that id first.
 */
function claimCytoscapeStylesheet(): void {
  const id = "__________cytoscape_stylesheet";
  if (document.getElementById(id)) return;
  const placeholder = document.createElement("meta");
  placeholder.id = id;
  document.head.appendChild(placeholder);
}

/** Draws `nodes` and `edges` around `center`; `onOpen` receives a clicked node's key. */
export function GraphCanvas({ center, nodes, edges, onOpen }: { center: string; nodes: CanvasNode[]; edges: CanvasEdge[]; onOpen: (key: string) => void }) {
  const container = useRef<HTMLDivElement>(null);
  const open = useRef(onOpen);
  open.current = onOpen;

  useEffect(() => {
    if (!container.current) return;
    claimCytoscapeStylesheet();
    const styles = getComputedStyle(document.documentElement);
    const ink = styles.getPropertyValue("--color-ink").trim() || "#1b1f24";
    const line = styles.getPropertyValue("--color-line").trim() || "#d0d4da";
    const cy: Core = cytoscape({
      container: container.current,
      elements: [
        ...nodes.map((n) => ({ data: { id: n.key, label: n.name, colour: kindColour(n.kind), center: n.key === center ? 1 : 0 } })),
        ...edges.map((e, i) => ({ data: { id: `e${i}`, source: e.from, target: e.to, label: e.label } })),
      ],
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(colour)",
            label: "data(label)",
            color: ink,
            "font-size": NODE_LABEL_PX,
            "text-valign": "bottom",
            "text-margin-y": 4,
            width: 18,
            height: 18,
          },
        },
        { selector: "node[center = 1]", style: { width: 30, height: 30, "font-weight": "bold", "border-width": 3, "border-color": ink } },
        {
          selector: "edge",
          style: {
            width: 1.5,
            "line-color": line,
            "target-arrow-color": line,
            "target-arrow-shape": "triangle",
            "curve-style": "bezier",
            label: "data(label)",
            "font-size": EDGE_LABEL_PX,
            color: ink,
            "text-rotation": "autorotate",
          },
        },
      ],
      layout: { name: "concentric", concentric: (n) => (n.data("center") ? 2 : 1), levelWidth: () => 1, minNodeSpacing: 30, animate: false },
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false,
    });
    // Fitting a large neighbourhood zooms out, which shrank labels to ~5 px: size them so that
    // on screen, at this default zoom, they are NODE_LABEL_PX and EDGE_LABEL_PX.
    const zoom = cy.zoom();
    if (zoom < 1) {
      cy.nodes().style("font-size", NODE_LABEL_PX / zoom);
      cy.edges().style("font-size", EDGE_LABEL_PX / zoom);
    }
    cy.on("tap", "node", (event) => {
      const key = event.target.id() as string;
      if (key !== center) open.current(key);
    });
    return () => cy.destroy();
  }, [center, nodes, edges]);

  return (
    <div
      ref={container}
      role="img"
      aria-label={`Drawing of ${nodes.length - 1} node(s) connected to the selected node; the same edges are listed beside it.`}
      className="relative h-80 w-full rounded-lg border border-line bg-surface"
      data-testid="graph-canvas"
    />
  );
}
