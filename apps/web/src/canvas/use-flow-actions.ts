import { useCallback } from 'react';
import type { Issue } from '@sluice/shared';
import { useDeployFlow, useSaveFlow, useStopFlow } from '../flows/use-flows';
import type { FlowBody } from './graph-model';
import { issuesOf } from './issues';

export interface FlowActions {
  /** Saves the draft; resolves false (after `onError`) when the server refused it. */
  save(): Promise<boolean>;
  /** Saves unsaved changes first (deploy takes the saved draft), then deploys; resolves to the new version. */
  deploy(): Promise<number | null>;
  stop(): Promise<boolean>;
  saving: boolean;
  deploying: boolean;
  stopping: boolean;
  /** Why the last deploy was refused, per node; empty when it was not. */
  deployIssues: Issue[];
  deployError: string | null;
  dismissDeployError(): void;
}

export interface FlowActionsOptions {
  body: FlowBody;
  isDirty: boolean;
  markSaved(body: FlowBody): void;
  onNotice(kind: 'ok' | 'error', text: string): void;
}

/**
 * Save, deploy and stop for the editor, in the order the server needs them: a deploy of a flow with
 * unsaved changes saves first, since the server deploys the saved draft. A refused deploy keeps its
 * issues (which nodes to fix) until dismissed or the next try.
 *
 * @example
 * const actions = useFlowActions(flowId, { body: doc.body, isDirty: doc.isDirty, markSaved: doc.markSaved, onNotice });
 * <button onClick={() => void actions.deploy()} disabled={actions.deploying}>Deploy</button>
 */
export function useFlowActions(flowId: string, { body, isDirty, markSaved, onNotice }: FlowActionsOptions): FlowActions {
  const saveFlow = useSaveFlow(flowId);
  const deployFlow = useDeployFlow(flowId);
  const stopFlow = useStopFlow(flowId);

  const save = useCallback(async () => {
    try {
      await saveFlow.mutateAsync(body);
      markSaved(body);
      return true;
    } catch (err) {
      onNotice('error', `Not saved: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }, [saveFlow, body, markSaved, onNotice]);

  const deploy = useCallback(async () => {
    deployFlow.reset();
    if (isDirty && !(await save())) return null;
    try {
      const { version } = await deployFlow.mutateAsync();
      onNotice('ok', `Deployed version ${version}`);
      return version;
    } catch (err) {
      // A refused deploy shows its issues in the toolbar; other failures as a notice.
      if (issuesOf(err).length === 0) onNotice('error', `Not deployed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }, [deployFlow, isDirty, save, onNotice]);

  const stop = useCallback(async () => {
    try {
      await stopFlow.mutateAsync();
      onNotice('ok', 'Stopped: the flow refuses new records until it is deployed again');
      return true;
    } catch (err) {
      onNotice('error', `Not stopped: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }, [stopFlow, onNotice]);

  const deployIssues = issuesOf(deployFlow.error);
  return {
    save,
    deploy,
    stop,
    saving: saveFlow.isPending,
    deploying: deployFlow.isPending,
    stopping: stopFlow.isPending,
    deployIssues,
    deployError: deployFlow.error && deployIssues.length > 0 ? deployFlow.error.message : null,
    dismissDeployError: deployFlow.reset,
  };
}
