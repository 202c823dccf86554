import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Panel, useReactFlow } from '@xyflow/react';
import type { Flow, Issue, NodeTypeInfo } from '@sluice/shared';
import { MetricsPanel, QualityPanel } from '../metrics';
import { exportFileName } from '../flows/flow-file';
import { layoutPositions } from './auto-layout';
import { BottomPanel, type BottomTab } from './BottomPanel';
import { Canvas, FIT_VIEW_OPTIONS } from './Canvas';
import { DeployErrors } from './DeployErrors';
import { DryRunPanel } from './DryRunPanel';
import { FlowPanel, SelectionPanel } from './FlowPanel';
import { freePosition, logicKey, NODE_SIZE, type SluiceEdge, type SluiceNode } from './graph-model';
import { ExpandIcon } from './icons';
import { issuesOf } from './issues';
import { LeaveGuard } from './LeaveGuard';
import { NodeSettingsPanel } from './NodeSettingsPanel';
import { Palette } from './Palette';
import { ProblemsList } from './ProblemsList';
import { Toolbar } from './Toolbar';
import { useCanvasElements } from './use-canvas-elements';
import { useDryRun } from './use-dry-run';
import { useEditorShortcuts } from './use-editor-shortcuts';
import { useFlowActions } from './use-flow-actions';
import { useFlowDocument } from './use-flow-document';
import { useGraphValidation } from './use-graph-validation';
import { useLiveView } from './use-live-view';
import { useConnectors } from './use-connectors';
import { useNodeClipboard } from './use-node-clipboard';
import { pathKey } from '../settings';
import { uploadSummary } from '../runs';
import './canvas.css';

interface Notice {
  kind: 'ok' | 'error';
  text: string;
  id: number;
}

/** How long a notice stays up. */
const NOTICE_MS = 5_000;

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/**
 * The editor for one loaded flow: toolbar, palette, canvas, settings panel and the bottom panel
 * (Try it, metrics, problems). It wires the document, validation, live numbers and actions together;
 * the rules live in the hooks and in graph-model.
 */
export function FlowEditor({ flow, types }: { flow: Flow; types: readonly NodeTypeInfo[] }) {
  const typesByName = useMemo(() => new Map(types.map((t) => [t.type, t])), [types]);
  const doc = useFlowDocument(flow, typesByName);
  const rf = useReactFlow<SluiceNode, SluiceEdge>();
  const wrapperRef = useRef<HTMLDivElement>(null);
  const validation = useGraphValidation(flow.id, doc.body);
  const live = useLiveView(flow.id);
  const dryRun = useDryRun();
  const [dryRunKey, setDryRunKey] = useState<string | null>(null);
  const [bottom, setBottom] = useState<{ open: boolean; tab: BottomTab }>({ open: false, tab: 'try-it' });
  const [wide, setWide] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);

  const onNotice = useCallback((kind: Notice['kind'], text: string) => setNotice({ kind, text, id: Date.now() }), []);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  const actions = useFlowActions(flow.id, { body: doc.body, isDirty: doc.isDirty, markSaved: doc.markSaved, onNotice });
  const clipboard = useNodeClipboard(doc);
  const { nodes: docNodes } = doc.state;
  // File sources of the flow: each gets an upload button while the flow is deployed.
  const fileSources = useMemo(() => docNodes.filter((n) => n.data.type === 'source.file').map((n) => n.id), [docNodes]);

  useEditorShortcuts({
    save: () => {
      if (doc.isDirty && !actions.saving) void actions.save().then((ok) => ok && onNotice('ok', 'Saved'));
    },
    undo: doc.undo,
    redo: doc.redo,
    copy: clipboard.copy,
    paste: () => void clipboard.paste(),
    duplicate: clipboard.duplicate,
    selectAll: () => doc.select(docNodes.map((n) => n.id)),
  });

  const showLive = flow.deployedVersion !== null || flow.status !== 'draft';
  const currentLogic = useMemo(() => logicKey(doc.body), [doc.body]);
  const dryRunResult = dryRun.data ?? null;
  const dryRunStale = dryRunResult !== null && dryRunKey !== currentLogic;
  const connectors = useConnectors(flow.id, showLive);
  const { nodes, edges } = useCanvasElements(doc.state.nodes, doc.state.edges, { types: typesByName, issues: validation.issues, live, showLive, dryRun: dryRunResult, connectors });

  const selected = useMemo(() => docNodes.filter((n) => n.selected), [docNodes]);
  const sources = useMemo(() => docNodes.filter((n) => typesByName.get(n.data.type)?.kind === 'source'), [docNodes, typesByName]);
  const titleOf = useCallback((n: SluiceNode) => n.data.label || typesByName.get(n.data.type)?.title || n.data.type, [typesByName]);

  const focusNode = useCallback(
    (id: string) => {
      doc.select([id]);
      const node = rf.getInternalNode(id);
      if (node) {
        const w = node.measured.width ?? NODE_SIZE.width;
        const h = node.measured.height ?? NODE_SIZE.height;
        void rf.setCenter(node.internals.positionAbsolute.x + w / 2, node.internals.positionAbsolute.y + h / 2, { zoom: Math.max(rf.getZoom(), 0.8), duration: 300 });
      }
    },
    [doc, rf],
  );

  const addFromPalette = useCallback(
    (info: NodeTypeInfo) => {
      const rect = wrapperRef.current?.getBoundingClientRect();
      const centre = rect ? rf.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }) : { x: 0, y: 0 };
      const desired = { x: Math.round((centre.x - NODE_SIZE.width / 2) / 16) * 16, y: Math.round((centre.y - NODE_SIZE.height / 2) / 16) * 16 };
      doc.addNode(info, freePosition(docNodes, desired));
    },
    [doc, docNodes, rf],
  );

  // A drop lands where the analyst let go, even on top of another node.
  const onDropType = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const info = typesByName.get(type);
      if (info) doc.addNode(info, position);
    },
    [doc, typesByName],
  );

  const layout = useCallback(() => {
    doc.moveNodes(layoutPositions(doc.state.nodes, doc.state.edges));
    requestAnimationFrame(() => void rf.fitView({ ...FIT_VIEW_OPTIONS, duration: 300 }));
  }, [doc, rf]);

  const runDryRun = useCallback(
    (records: Record<string, unknown>[], sourceNodeId: string | undefined) => {
      const { settings: _settings, ...graph } = doc.body;
      const key = currentLogic;
      dryRun.mutate({ graph, records, flowId: flow.id, ...(sourceNodeId ? { sourceNodeId } : {}) }, { onSuccess: () => setDryRunKey(key) });
    },
    [doc.body, currentLogic, dryRun],
  );

  // A refused deploy's list goes once the flow checks clean: the analyst fixed what it named.
  const { deployError, dismissDeployError } = actions;
  const clean = !validation.checking && validation.failure === null && validation.issues.all.length === 0;
  useEffect(() => {
    if (deployError && clean) dismissDeployError();
  }, [deployError, clean, dismissDeployError]);

  const openTab = (tab: BottomTab) => setBottom((b) => ({ open: b.open && b.tab === tab ? false : true, tab }));
  const single = selected.length === 1 ? selected[0] : undefined;
  const deployIssuesByNode = useMemo(() => groupByNode(actions.deployIssues), [actions.deployIssues]);

  return (
    <div className={`editor${wide ? ' wide-panel' : ''}`} data-testid="flow-editor">
      <LeaveGuard when={doc.isDirty} />
      <Toolbar
        flowId={flow.id}
        name={doc.state.name}
        onRename={(name) => doc.updateFlow({ name })}
        status={flow.status}
        deployedVersion={flow.deployedVersion}
        isDirty={doc.isDirty}
        canUndo={doc.canUndo}
        canRedo={doc.canRedo}
        onUndo={doc.undo}
        onRedo={doc.redo}
        onLayout={layout}
        onFitView={() => void rf.fitView({ ...FIT_VIEW_OPTIONS, duration: 300 })}
        validation={validation}
        onShowProblems={() => setBottom({ open: true, tab: 'problems' })}
        onTryIt={() => openTab('try-it')}
        tryItOpen={bottom.open && bottom.tab === 'try-it'}
        pendingDeadLetters={live.pendingDeadLetters}
        recordsPerSecond={live.recordsPerSecond}
        onExport={() => download(exportFileName(doc.state.name), `${JSON.stringify(doc.body, null, 2)}\n`)}
        onSave={() => void actions.save().then((ok) => ok && onNotice('ok', 'Saved'))}
        saving={actions.saving}
        onDeploy={() => void actions.deploy()}
        deploying={actions.deploying}
        onStop={() => void actions.stop()}
        stopping={actions.stopping}
        empty={docNodes.length === 0}
        fileSources={fileSources}
        onUploaded={(run, file) => onNotice('ok', `${uploadSummary(run, file)} See Runs for its progress.`)}
        onUploadError={(message, file) => onNotice('error', `Could not upload ${file.name}: ${message}`)}
      />
      {actions.deployError && <DeployErrors message={actions.deployError} byNode={deployIssuesByNode} onShowNode={focusNode} onDismiss={actions.dismissDeployError} />}
      <div className="editor-body">
        <Palette types={types} onAdd={addFromPalette} />
        <div className="editor-centre">
          <Canvas nodes={nodes} edges={edges} doc={doc} onDropType={onDropType} wrapperRef={wrapperRef}>
            {docNodes.length === 0 && (
              <div className="canvas-empty" data-testid="canvas-empty">
                <strong>Start your flow</strong>
                <span>Drag a source such as Webhook from the palette onto the canvas, then add transforms, validators and sinks and connect their ports.</span>
                <span className="muted">Or click a palette item (or press Enter on it) to add it here.</span>
              </div>
            )}
            {dryRunResult && (
              <Panel position="top-center" className="canvas-chip" data-testid="dry-run-chip">
                <span>
                  Showing <strong>Try it</strong> counts{dryRunStale ? ' (the flow changed since)' : ''}
                </span>
                <button type="button" className="ghost small" onClick={() => dryRun.reset()}>
                  {showLive ? 'Back to live counts' : 'Clear'}
                </button>
              </Panel>
            )}
            {notice && (
              <Panel position="bottom-center" className={`notice ${notice.kind}`}>
                <span role="status" data-testid="notice">
                  {notice.text}
                </span>
              </Panel>
            )}
          </Canvas>
          <BottomPanel
            open={bottom.open}
            tab={bottom.tab}
            onTab={(tab) => setBottom({ open: true, tab })}
            onToggle={() => setBottom((b) => ({ ...b, open: !b.open }))}
            problems={validation.issues.all.length}
            tryIt={
              <DryRunPanel
                sources={sources}
                nodes={docNodes}
                titleOf={titleOf}
                onRun={runDryRun}
                running={dryRun.isPending}
                error={dryRun.error ? { message: dryRun.error.message, issues: issuesOf(dryRun.error) } : null}
                result={dryRunResult}
                stale={dryRunStale}
                onClear={() => dryRun.reset()}
                onSelectNode={focusNode}
              />
            }
            metrics={<MetricsPanel flowId={flow.id} />}
            quality={<QualityPanel flowId={flow.id} />}
            problemsList={<ProblemsList issues={validation.issues} onSelectNode={focusNode} checking={validation.checking} />}
          />
        </div>
        <aside className="side-panel" aria-label="Settings">
          <button type="button" className="icon-button side-widen" onClick={() => setWide(!wide)} aria-label={wide ? 'Narrow the settings panel' : 'Widen the settings panel'} aria-pressed={wide} title={wide ? 'Narrow the panel' : 'Widen the panel'} data-testid="widen-panel">
            <ExpandIcon />
          </button>
          {single ? (
            <NodeSettingsPanel
              key={single.id}
              node={single}
              info={typesByName.get(single.data.type)}
              issues={validation.issues.byNode.get(single.id) ?? NO_ISSUES}
              dryRun={dryRunResult?.nodes.find((n) => n.nodeId === single.id)}
              dryRunStale={dryRunStale}
              live={showLive ? live.stats?.nodes.find((n) => n.nodeId === single.id) : undefined}
              onConfig={(config, changed) => doc.updateNode(single.id, { config }, `config:${single.id}:${pathKey(changed)}`)}
              onLabel={(label) => doc.updateNode(single.id, { label }, `label:${single.id}`)}
              onDelete={doc.deleteSelection}
              flowId={flow.id}
              sourceCount={sources.length}
            />
          ) : selected.length > 1 ? (
            <SelectionPanel count={selected.length} onDelete={doc.deleteSelection} onDuplicate={clipboard.duplicate} />
          ) : (
            <FlowPanel
              flowId={flow.id}
              description={doc.state.description}
              settings={doc.state.settings}
              onDescription={(description) => doc.updateFlow({ description }, 'description')}
              onSettings={(settings) => doc.updateFlow({ settings }, 'settings')}
              flowIssues={validation.issues.flow}
              sources={sources}
            />
          )}
        </aside>
      </div>
    </div>
  );
}

const NO_ISSUES: Issue[] = [];

function groupByNode(issues: readonly Issue[]): Map<string, Issue[]> {
  const map = new Map<string, Issue[]>();
  for (const issue of issues) {
    const key = issue.nodeId ?? '';
    map.set(key, [...(map.get(key) ?? []), issue]);
  }
  return map;
}
