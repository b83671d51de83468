/**
 * The safety policy: rules loaded from YAML (the bundled defaults plus the user's file), compiled once,
 * then asked about every action. The most severe matching rule wins (deny > confirm > allow).
 * Load errors name the file, line and rule, so a user can fix their policy without guessing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode, type Document } from 'yaml';
import type { ActionKind, ScreenAction } from '../protocol/actions.ts';
import type { ActionContext, ActionReviewer, SafetyDecision, SafetyVerdict } from './types.ts';
import { tryNormalizeKey } from '../actions/keys.ts';

export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('./default-policy.yaml', import.meta.url));

interface WindowMatch {
  title?: RegExp;
  className?: RegExp;
}

export interface CompiledRule {
  id: string;
  decision: SafetyDecision;
  reason?: string;
  keys?: string[][];
  text?: RegExp[];
  window?: WindowMatch;
  notWindow?: WindowMatch;
  url?: RegExp[];
  kinds?: ActionKind[];
  /** Where the rule was written, for messages. */
  source: string;
}

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Canonical key name with left/right variants folded and letters lower-cased, for chord matching. */
function canonicalKey(name: string): string | undefined {
  const key = tryNormalizeKey(name);
  if (key === undefined) return undefined;
  const folded = key.endsWith('right') && key.length > 5 && ['ctrl', 'alt', 'shift', 'super'].includes(key.slice(0, -5)) ? key.slice(0, -5) : key;
  return folded.length === 1 ? folded.toLowerCase() : folded;
}

const SEVERITY: Record<SafetyDecision, number> = { allow: 0, confirm: 1, deny: 2 };
const DECISIONS = Object.keys(SEVERITY) as SafetyDecision[];
const KINDS: ActionKind[] = [
  'click', 'move', 'drag', 'mouse_down', 'mouse_up', 'scroll', 'type', 'press', 'hotkey',
  'key_down', 'key_up', 'wait', 'done', 'fail', 'call_user',
];
const CONDITIONS = ['keys', 'text', 'window', 'notWindow', 'url', 'kinds'];

/** Reads one policy file's YAML text into compiled rules plus its `replace` flag. */
export function parsePolicy(text: string, file: string): { rules: CompiledRule[]; replace: boolean } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const where = (node: unknown): string => {
    const range = (node as YamlNode | undefined)?.range;
    return range ? `${file}:${lines.linePos(range[0]).line}` : file;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new PolicyError(`${file}:${lines.linePos(e.pos[0]).line}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (root === null) return { rules: [], replace: false };
  if (!isMap(root)) throw new PolicyError(`${where(root)}: a policy is a mapping with "version" and "rules"`);
  const version = doc.get('version');
  if (version !== undefined && version !== 1) {
    throw new PolicyError(`${where(doc.get('version', true))}: unsupported policy version ${String(version)} (expected 1)`);
  }
  const replace = doc.get('replace') === true;
  const rulesNode = doc.get('rules', true);
  if (rulesNode === undefined) return { rules: [], replace };
  if (!isSeq(rulesNode)) throw new PolicyError(`${where(rulesNode)}: "rules" must be a list`);
  const rules = rulesNode.items.map((node, index) => compileRule(doc, node, index, where));
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.id)) throw new PolicyError(`${rule.source}: rule "${rule.id}" is defined twice`);
    seen.add(rule.id);
  }
  return { rules, replace };
}

function compileRule(doc: Document, node: unknown, index: number, where: (n: unknown) => string): CompiledRule {
  const at = where(node);
  if (!isMap(node)) throw new PolicyError(`${at}: rule #${index + 1} must be a mapping`);
  const raw = node.toJSON() as Record<string, unknown>;
  const id = typeof raw.id === 'string' && raw.id.trim() !== '' ? raw.id : `#${index + 1}`;
  const fail = (field: string, message: string): never => {
    const fieldNode = node.get(field, true);
    throw new PolicyError(`${fieldNode ? where(fieldNode) : at}: rule "${id}": ${field}: ${message}`);
  };
  if (typeof raw.id !== 'string' || raw.id.trim() === '') fail('id', 'every rule needs a non-empty id');
  if (!DECISIONS.includes(raw.decision as SafetyDecision)) {
    fail('decision', `expected one of ${DECISIONS.join(', ')}, got ${JSON.stringify(raw.decision)}`);
  }
  const when = raw.when;
  if (when === null || typeof when !== 'object' || Array.isArray(when)) fail('when', 'expected a mapping of conditions');
  const w = when as Record<string, unknown>;
  const unknown = Object.keys(w).filter((k) => !CONDITIONS.includes(k));
  if (unknown.length > 0) fail('when', `unknown condition "${unknown[0]}" (known: ${CONDITIONS.join(', ')})`);
  if (Object.keys(w).length === 0) fail('when', 'a rule needs at least one condition');
  const regexes = (field: string, value: unknown): RegExp[] => {
    const list = Array.isArray(value) ? value : [value];
    return list.map((pattern) => {
      if (typeof pattern !== 'string') return fail(`when`, `${field}: expected regular expressions as strings`);
      try {
        return new RegExp(pattern, 'iu');
      } catch (error) {
        return fail('when', `${field}: bad regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
      }
    });
  };
  const windowMatch = (field: string, value: unknown): WindowMatch => {
    if (value === null || typeof value !== 'object') return fail('when', `${field}: expected {title, class}`);
    const v = value as Record<string, unknown>;
    return {
      title: v.title === undefined ? undefined : regexes(`${field}.title`, v.title)[0],
      className: v.class === undefined ? undefined : regexes(`${field}.class`, v.class)[0],
    };
  };
  const rule: CompiledRule = { id, decision: raw.decision as SafetyDecision, source: at };
  if (typeof raw.reason === 'string') rule.reason = raw.reason;
  if (w.keys !== undefined) {
    if (!Array.isArray(w.keys) || w.keys.some((combo) => !Array.isArray(combo) || combo.length === 0)) {
      fail('when', 'keys: expected a list of key combos, e.g. [[ctrl, alt, delete]]');
    }
    rule.keys = (w.keys as unknown[][]).map((combo) =>
      combo.map((k) => canonicalKey(String(k)) ?? fail('when', `keys: unknown key name ${JSON.stringify(k)}`)).sort(),
    );
  }
  if (w.text !== undefined) rule.text = regexes('text', w.text);
  if (w.url !== undefined) rule.url = regexes('url', w.url);
  if (w.window !== undefined) rule.window = windowMatch('window', w.window);
  if (w.notWindow !== undefined) rule.notWindow = windowMatch('notWindow', w.notWindow);
  if (w.kinds !== undefined) {
    const kinds = Array.isArray(w.kinds) ? w.kinds : [w.kinds];
    const bad = kinds.find((k) => !KINDS.includes(k as ActionKind));
    if (bad !== undefined) fail('when', `kinds: unknown action kind ${JSON.stringify(bad)} (known: ${KINDS.join(', ')})`);
    rule.kinds = kinds as ActionKind[];
  }
  void doc;
  return rule;
}

function windowMatches(match: WindowMatch, context: ActionContext): boolean {
  const win = context.activeWindow;
  if (!win) return false;
  return (!match.title || match.title.test(win.title)) && (!match.className || match.className.test(win.className));
}

/** The keys an action presses together, canonical and sorted; undefined when it presses none. */
function chordOf(action: ScreenAction): string[] | undefined {
  if (action.kind === 'hotkey') return action.keys.map((k) => canonicalKey(k) ?? k.toLowerCase()).sort();
  if (action.kind === 'press' || action.kind === 'key_down') return [canonicalKey(action.key) ?? action.key.toLowerCase()];
  return undefined;
}

export function ruleMatches(rule: CompiledRule, action: ScreenAction, context: ActionContext): boolean {
  if (rule.kinds && !rule.kinds.includes(action.kind)) return false;
  if (rule.keys) {
    const chord = chordOf(action);
    if (!chord || !rule.keys.some((combo) => combo.length === chord.length && combo.every((k, i) => k === chord[i]))) return false;
  }
  if (rule.text) {
    if (action.kind !== 'type' || !rule.text.some((re) => re.test(action.text))) return false;
  }
  if (rule.url) {
    if (context.url === undefined || !rule.url.some((re) => re.test(context.url!))) return false;
  }
  if (rule.window && !windowMatches(rule.window, context)) return false;
  if (rule.notWindow && (!context.activeWindow || windowMatches(rule.notWindow, context))) return false;
  return true;
}

export class SafetyPolicy implements ActionReviewer {
  constructor(readonly rules: readonly CompiledRule[]) {}

  /** The bundled defaults, then each file's rules in order (a file with `replace: true` drops what came before). */
  static load(files: string[] = [], options: { defaults?: boolean } = {}): SafetyPolicy {
    let rules: CompiledRule[] = [];
    const sources = options.defaults === false ? files : [DEFAULT_POLICY_FILE, ...files];
    for (const file of sources) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new PolicyError(`${file}: cannot read policy file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const parsed = parsePolicy(text, file);
      rules = parsed.replace ? parsed.rules : [...rules, ...parsed.rules];
    }
    return new SafetyPolicy(rules);
  }

  review(action: ScreenAction, context: ActionContext): SafetyVerdict {
    let winner: CompiledRule | undefined;
    for (const rule of this.rules) {
      if (!ruleMatches(rule, action, context)) continue;
      if (!winner || SEVERITY[rule.decision] > SEVERITY[winner.decision]) winner = rule;
    }
    if (!winner) return { decision: 'allow' };
    return { decision: winner.decision, rule: winner.id, reason: winner.reason };
  }
}
