/**
 * Builds the loop's safety hooks from a run's options: the policy (defaults + user files), how a
 * "confirm" is answered (TTY prompt, --yes, or deny), masking, redaction, and on X11 the raw-input
 * watcher for the emergency stop and for pausing when the user takes over. One place, so the CLI,
 * the UI server and the task runner get the same behaviour.
 */
import { createInterface } from 'node:readline/promises';
import type { ScreenAction } from '../protocol/actions.ts';
import type { Environment } from '../env/types.ts';
import type { LoopHooks } from '../loop/hooks.ts';
import { describeAction } from '../protocol/describe.ts';
import { terminalSafe } from '../loop/progress.ts';
import { InputWatcher } from './input-watch.ts';
import { maskObservation, rectsToMask, type MaskSpec } from './mask.ts';
import { SafetyPolicy } from './policy.ts';
import { Redactor } from './redact.ts';
import type { ActionContext, Confirmer, SafetyVerdict } from './types.ts';
import { activeWindow, listWindows } from './x11.ts';

export interface SafetyOptions {
  policyFiles?: string[];
  /** Approve every "confirm" without asking. */
  yes?: boolean;
  /** How to ask about a "confirm"; defaults to a TTY prompt when stdin/stderr are terminals, else deny. */
  confirm?: Confirmer;
  mask?: MaskSpec;
  /** Extra literal secrets to keep out of traces (passwords handed to the agent). */
  secrets?: string[];
  /** X display to watch for the emergency stop and user takeover; none disables both. */
  display?: string;
  stopChord?: string;
  /** Pause when the user moves the mouse or types (default on when a display is watched). */
  pauseOnUserInput?: boolean;
  /** Called when the emergency-stop chord is pressed. */
  onEmergencyStop?: () => void;
  /** Told when a protection cannot be set up here (e.g. xinput missing); the run goes on without it. */
  onWarning?: (message: string) => void;
}

export interface SafetySetup {
  hooks: LoopHooks;
  policy: SafetyPolicy;
  /** Wraps an environment so the watcher can tell the agent's input from the user's. */
  wrapEnvironment(environment: Environment): Environment;
  dispose(): void;
}

const INPUTLESS = new Set<ScreenAction['kind']>(['wait', 'done', 'fail', 'call_user']);

/** Asks on the terminal; anything but y/yes denies. */
export function ttyConfirmer(): Confirmer {
  return async (action: ScreenAction, verdict: SafetyVerdict) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`\nsafety: rule ${verdict.rule} (${verdict.reason ?? verdict.decision}) wants confirmation for: ${terminalSafe(describeAction(action))}\nallow it? [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}

export async function setupSafety(options: SafetyOptions = {}): Promise<SafetySetup> {
  const policy = SafetyPolicy.load(options.policyFiles ?? []);
  const redactor = Redactor.fromEnvironment();
  for (const secret of options.secrets ?? []) redactor.add(secret);
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const confirm: Confirmer = options.yes ? async () => true : options.confirm ?? (interactive ? ttyConfirmer() : async () => false);
  const display = options.display;

  let watcher: InputWatcher | undefined;
  if (display && process.platform === 'linux') {
    try {
      watcher = new InputWatcher(display, { stopChord: options.stopChord });
      await watcher.start();
      if (options.onEmergencyStop) watcher.on('emergency-stop', options.onEmergencyStop);
    } catch (error) {
      watcher?.dispose();
      watcher = undefined;
      options.onWarning?.(`no emergency stop or takeover detection on ${display}: ${(error as Error).message.split('\n')[0]} (install xinput and x11-xserver-utils)`);
    }
  }
  const pauseOnInput = options.pauseOnUserInput ?? true;

  const hooks: LoopHooks = {
    reviewer: {
      async review(action: ScreenAction, context: ActionContext) {
        const window = display && process.platform === 'linux' ? await activeWindow(display) : undefined;
        return policy.review(action, { ...context, activeWindow: context.activeWindow ?? window });
      },
    },
    confirm,
    redact: (text) => redactor.redact(text),
  };
  const mask = options.mask;
  if (mask && ((mask.regions?.length ?? 0) > 0 || (mask.windows?.length ?? 0) > 0)) {
    hooks.filterObservation = async (observation) => {
      const windows = (mask.windows?.length ?? 0) > 0 && display ? await listWindows(display) : [];
      return maskObservation(observation, rectsToMask(mask, windows));
    };
  }
  if (watcher && pauseOnInput) hooks.userIntervened = () => watcher!.takeUserInput();

  return {
    hooks,
    policy,
    wrapEnvironment(environment: Environment): Environment {
      if (!watcher) return environment;
      const w = watcher;
      return {
        displays: () => environment.displays(),
        observe: (id) => environment.observe(id),
        // Only input-producing actions count as the agent's: during a wait, input is the user's.
        execute: (action, signal) =>
          INPUTLESS.has(action.kind) ? environment.execute(action, signal) : w.whileActing(() => environment.execute(action, signal)),
        settle: (before, o, signal) => environment.settle(before, o, signal),
        dispose: () => environment.dispose(),
      };
    },
    dispose() {
      watcher?.dispose();
    },
  };
}
