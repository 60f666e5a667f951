/**
 * Live runs for the run webview: run-manager.ts tees each run's `EventSink` into `runEvents.sink()`;
 * the hub keeps the records of the runs in progress (so a panel opened mid-run starts complete) and
 * forwards every event to the panels watching that run. No `vscode` import.
 *
 * Runs not fed through the hub (before run-manager is wired, or started by the CLI) are still
 * shown live: the panel tails the journal file until a Terminated record appears.
 */
import type { EventSink, RunEvent } from '../../runtime/kernel/events';
import type { JournalRecord } from '../../runtime/journal/records';

export type RunListener = (ev: RunEvent) => void;

interface LiveRun { records: JournalRecord[]; listeners: Set<RunListener>; ended: boolean }

export class RunEventHub {
  private readonly runs = new Map<string, LiveRun>();

  /** A sink for one run; `runId()` is read on each event (the id is known only once the run starts). */
  sink(runId: () => string): EventSink {
    return { emit: (ev) => this.emit(runId(), ev) };
  }

  emit(runId: string, ev: RunEvent): void {
    if (!runId || runId === '(starting)') return;
    let run = this.runs.get(runId);
    if (!run) { run = { records: [], listeners: new Set(), ended: false }; this.runs.set(runId, run); }
    if (ev.kind === 'record') {
      run.records.push(ev.record);
      if (ev.record.type === 'Terminated') run.ended = true;
    }
    for (const l of [...run.listeners]) {
      try { l(ev); } catch { /* a panel must not break the run */ }
    }
    // Ended and nobody watching: forget it (the journal file has it all).
    if (run.ended && run.listeners.size === 0) this.runs.delete(runId);
  }

  /** True while the hub knows the run as in progress. */
  isLive(runId: string): boolean {
    const r = this.runs.get(runId);
    return !!r && !r.ended;
  }

  /** The records so far and a subscription to what follows; undefined when the run is not live here. */
  watch(runId: string, listener: RunListener): { records: JournalRecord[]; dispose(): void } | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    run.listeners.add(listener);
    return {
      records: [...run.records],
      dispose: () => {
        run.listeners.delete(listener);
        if (run.ended && run.listeners.size === 0) this.runs.delete(runId);
      },
    };
  }
}

/** The extension's one hub. */
export const runEvents = new RunEventHub();

/** Sends each event to every sink (run-manager: the log channel and the hub). */
export function teeSink(...sinks: EventSink[]): EventSink {
  return { emit: (ev) => { for (const s of sinks) { try { s.emit(ev); } catch { /* sinks must not throw */ } } } };
}
