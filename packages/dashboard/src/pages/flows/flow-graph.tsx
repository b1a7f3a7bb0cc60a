// The flow drawn as a graph (@xyflow/react): the triggers' node, then each step as a node on the
// layer after the nearest step leading to it, its transitions as labelled arrows. Steps with a
// validation problem and targets that do not exist are marked; selecting a node (click, or Enter
// on a focused node) selects the step in the editor, and a step selected elsewhere is centred.
import "@xyflow/react/dist/style.css";
import { Background, Controls, MarkerType, ReactFlow, ReactFlowProvider, useReactFlow, type Edge, type Node, type NodeChange } from "@xyflow/react";
import { useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { layeredLayout, TRIGGERS_NODE, type FlowGraph } from "./flow-model";

const NODE_WIDTH = 190;
const COLUMN = 230;
const ROW = 130;
const OPENING_LAYERS = 2;

interface FlowGraphProps {
  graph: FlowGraph;
  /** Step ids with a problem (TRIGGERS_NODE for the triggers and start). */
  invalid: ReadonlySet<string>;
  selected: string | null;
  onSelect(step: string): void;
}

function NodeLabel({ title, kind, summary }: { title: string; kind: string; summary: string }) {
  return (
    <span className="flow-node-label">
      <strong>{title}</strong>
      <span className="flow-node-kind">{kind}</span>
      {summary && <span className="flow-node-summary">{summary}</span>}
    </span>
  );
}

function Graph({ graph, invalid, selected, onSelect }: FlowGraphProps) {
  const { t } = useTranslation();
  const flow = useReactFlow();

  const placed = useMemo(() => layeredLayout(graph), [graph]);
  // The view opens on the first layers (the triggers and where they lead), readable; the rest is a pan away.
  const opening = useMemo(() => placed.filter((node) => node.layer <= OPENING_LAYERS).map((node) => ({ id: node.id })), [placed]);
  const positions = useMemo(() => {
    // Each layer centred on the widest one.
    const widths = new Map<number, number>();
    for (const node of placed) widths.set(node.layer, (widths.get(node.layer) ?? 0) + 1);
    const widest = Math.max(1, ...widths.values());
    return new Map(placed.map((node) => [node.id, { x: (node.column + (widest - (widths.get(node.layer) ?? 1)) / 2) * COLUMN, y: node.layer * ROW }]));
  }, [placed]);

  const nodes = useMemo<Node[]>(() => {
    const missing = new Set(graph.missing);
    const entries: { id: string; title: string; kind: string; summary: string }[] = [
      { id: TRIGGERS_NODE, title: t("flows.graph.triggers"), kind: "", summary: graph.start ? t("flows.graph.startsAt", { step: graph.start }) : "" },
      ...graph.steps.map((step) => ({ id: step.id, title: step.id, kind: step.kind, summary: step.summary })),
      ...graph.missing.map((id) => ({ id, title: id, kind: t("flows.graph.missing"), summary: "" })),
    ];
    return entries.map((entry) => {
      const classes = ["flow-node", entry.id === TRIGGERS_NODE ? "flow-node-triggers" : "", missing.has(entry.id) ? "flow-node-missing" : "", invalid.has(entry.id) ? "flow-node-invalid" : ""];
      return {
        id: entry.id,
        position: positions.get(entry.id) ?? { x: 0, y: 0 },
        data: { label: <NodeLabel title={entry.title} kind={entry.kind} summary={entry.summary} /> },
        className: classes.filter(Boolean).join(" "),
        selected: entry.id === selected,
        style: { width: NODE_WIDTH },
        ariaLabel: [entry.title, entry.kind, invalid.has(entry.id) ? t("flows.graph.hasProblems") : ""].filter(Boolean).join(", "),
        ...(entry.id === TRIGGERS_NODE ? { type: "input" } : {}),
        ...(missing.has(entry.id) || entry.kind === "end" ? { type: "output" } : {}),
      };
    });
  }, [graph, invalid, selected, positions, t]);

  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((edge, index) => ({
        id: `${index}:${edge.path}`,
        source: edge.from,
        target: edge.to,
        label: edge.label,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: edge.label === "onFail" || edge.label === "onError" ? "flow-edge-failure" : "",
        labelBgPadding: [4, 2] as [number, number],
        labelBgBorderRadius: 4,
      })),
    [graph],
  );

  // A step chosen from the problems list or the editor: bring it into view.
  useEffect(() => {
    if (!selected) return;
    const position = positions.get(selected);
    if (position) void flow.setCenter(position.x + NODE_WIDTH / 2, position.y + 30, { zoom: Math.max(flow.getZoom(), 0.9), duration: 300 });
  }, [selected, positions, flow]);

  const onNodesChange = (changes: NodeChange[]) => {
    for (const change of changes) if (change.type === "select" && change.selected) onSelect(change.id);
  };

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      onNodesChange={onNodesChange}
      nodesDraggable={false}
      nodesConnectable={false}
      edgesFocusable={false}
      fitView
      fitViewOptions={{ nodes: opening, maxZoom: 1 }}
      minZoom={0.2}
      ariaLabelConfig={{
        "node.a11yDescription.default": t("flows.graph.nodeHelp"),
        "node.a11yDescription.keyboardDisabled": t("flows.graph.nodeHelp"),
        "controls.ariaLabel": t("flows.graph.controls"),
        "controls.zoomIn.ariaLabel": t("flows.graph.zoomIn"),
        "controls.zoomOut.ariaLabel": t("flows.graph.zoomOut"),
        "controls.fitView.ariaLabel": t("flows.graph.fitView"),
        "controls.interactive.ariaLabel": t("flows.graph.interactive"),
      }}
    >
      <Background />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

export function FlowGraphView(props: FlowGraphProps) {
  return (
    <ReactFlowProvider>
      <Graph {...props} />
    </ReactFlowProvider>
  );
}
