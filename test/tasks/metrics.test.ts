/**
 * Metric semantics, case by case from OSWorld's implementation. Reference numbers for
 * SequenceMatcher came from CPython 3 difflib (the generator below was run there), not from this code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../agent/tasks/metrics/index.ts';
import { sequenceRatio } from '../../agent/tasks/metrics/difflib.ts';
import { dictReader } from '../../agent/tasks/metrics/csv.ts';
import { pySearch } from '../../agent/tasks/metrics/py.ts';
import { compareUrls } from '../../agent/tasks/metrics/urls.ts';

const dir = mkdtempSync(join(tmpdir(), 'deskpilot-metrics-'));
let n = 0;
function file(text: string): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, text);
  return p;
}
const m = (name: string, result: unknown, expected?: unknown, options: Record<string, unknown> = {}) => METRICS[name](result, expected, options);

describe('python semantics helpers', () => {
  it('SequenceMatcher.ratio matches CPython, including the autojunk rule for 200+ elements', () => {
    const gen = (n: number, k: number, c: number) => Array.from({ length: n }, (_, i) => String((i * i * k + c) % 13));
    expect(sequenceRatio(['one', 'two', 'three', 'four'], ['one', '2', 'three', 'four', 'five'])).toBeCloseTo(0.6666666666666666, 12);
    expect(sequenceRatio(gen(150, 7, 3), gen(140, 5, 1))).toBeCloseTo(0.1793103448275862, 12);
    // every element is "popular" in a 250-element b: CPython finds no match at all
    expect(sequenceRatio(gen(300, 7, 3), gen(250, 5, 1))).toBe(0);
    const a = Array.from({ length: 260 }, (_, i) => `line ${i % 40}`);
    const b = Array.from({ length: 230 }, (_, i) => `line ${(i * 3) % 45}`);
    expect(sequenceRatio(a, b)).toBeCloseTo(0.004081632653061225, 12);
    const x = [...Array(150).fill('x'), 'y', ...Array(100).fill('x')];
    const y = [...Array(120).fill('x'), 'z', ...Array(90).fill('x'), 'y'];
    expect(sequenceRatio(x, y)).toBeCloseTo(0.652267818574514, 12);
  });

  it('regexes keep Python meaning: $ matches before a final newline, \\Z does not', () => {
    expect(pySearch('c$', 'abc\n')).toBe(true);
    expect(pySearch('c\\Z', 'abc\n')).toBe(false);
    expect(pySearch('(?P<w>ab)(?P=w)', 'xabab')).toBe(true);
    expect(pySearch('(?i)HELLO', 'say hello')).toBe(true);
  });

  it('csv.DictReader: quoted commas, blank lines skipped, short rows get None, extras under None', () => {
    expect(dictReader('a,b\n1,"x,y"\n\n2\n3,4,5\n')).toEqual([{ a: '1', b: 'x,y' }, { a: '2', b: null }, { a: '3', b: '4', null: ['5'] }]);
  });

  it('compare_urls ignores www, the public suffix, the port and a bare trailing slash, not the query', () => {
    expect(compareUrls('https://www.airbnb.com/', 'https://airbnb.com.sg')).toBe(true);
    expect(compareUrls('http://127.0.0.1:8000/a', 'http://127.0.0.1:9000/a')).toBe(true);
    expect(compareUrls('example.com/x', 'http://example.com/x')).toBe(true);
    expect(compareUrls('https://example.com/x?q=1', 'https://example.com/x?q=2')).toBe(false);
    expect(compareUrls('https://example.com/x', 'http://example.com/x')).toBe(false);
    expect(compareUrls('https://mail.example.com/', 'https://example.com/')).toBe(false);
  });
});

describe('OSWorld metrics', () => {
  it('exact_match compares with Python ==, so a missing trailing newline fails', () => {
    expect(m('exact_match', 'Directory exists.\n', { expected: 'Directory exists.\n' })).toBe(1);
    expect(m('exact_match', 'Directory exists.', { expected: 'Directory exists.\n' })).toBe(0);
    expect(m('exact_match', { a: [1, 2] }, { expected: { a: [1, 2] } })).toBe(1);
  });

  it('check_include_exclude: substrings of a string result, None scores 0', () => {
    expect(m('check_include_exclude', 'uint32 0', { include: ['0'], exclude: ['300'] })).toBe(1);
    expect(m('check_include_exclude', 'uint32 300', { include: ['0'], exclude: ['300'] })).toBe(0);
    expect(m('check_include_exclude', null, { include: [] })).toBe(0);
  });

  it('match_in_list (result in expected) and is_in_list (expected in result)', () => {
    expect(m('match_in_list', 'b', { expected: ['a', 'b'] })).toBe(1);
    expect(m('match_in_list', 'c', { expected: ['a', 'b'] })).toBe(0);
    expect(m('is_in_list', ['x', 'y'], { expected: 'y' })).toBe(1);
    expect(m('is_in_list', 'xyz', { expected: 'yz' })).toBe(1);
  });

  it('literal_match: str() comparison, list mode, ignore_case', () => {
    expect(m('literal_match', 'Hello', 'hello', { ignore_case: true })).toBe(1);
    expect(m('literal_match', 'Hello', 'hello')).toBe(0);
    expect(m('literal_match', 5, '5')).toBe(1);
    expect(m('literal_match', ['A', 1], ['a', '1'], { type: 'list', ignore_case: true })).toBe(1);
    expect(m('literal_match', ['a'], ['a', 'b'], { type: 'list' })).toBe(0);
  });

  it('compare_text_file: exact by default; ignore_blanks squashes whitespace; a missing file scores 0', () => {
    expect(m('compare_text_file', file('a test\n'), file('a test\n'))).toBe(1);
    expect(m('compare_text_file', file('a  test\n\n'), file('a test'))).toBe(0);
    expect(m('compare_text_file', file('a \t test\n\n'), file('a test'), { ignore_blanks: true })).toBe(1);
    expect(m('compare_text_file', file('A TEST'), file('a test'), { ignore_case: true })).toBe(1);
    expect(m('compare_text_file', null, file('x'))).toBe(0);
  });

  it('diff_text_file is the SequenceMatcher ratio of the lines', () => {
    expect(m('diff_text_file', file('one\ntwo\nthree\nfour\n'), file('one\n2\nthree\nfour\nfive\n'))).toBeCloseTo(2 / 3, 12);
    expect(m('diff_text_file', null, file('x'))).toBe(0);
  });

  it('file_contains needs every expected string', () => {
    const f = file('alpha beta gamma');
    expect(m('file_contains', f, { expected: ['alpha', 'gamma'] })).toBe(1);
    expect(m('file_contains', f, { expected: ['alpha', 'delta'] })).toBe(0);
    expect(m('file_contains', join(dir, 'missing'), { expected: [] })).toBe(0);
  });

  it('check_list: every expect regex matches some line, no unexpect regex matches any line', () => {
    const f = file('apples 3\npears 4\n');
    expect(m('check_list', f, { expect: ['^apples \\d$', 'pears'], unexpect: ['plums'] })).toBe(1);
    expect(m('check_list', f, { expect: ['apples'], unexpect: ['pear'] })).toBe(0);
    expect(m('check_list', f, { expect: ['kiwi'] })).toBe(0);
  });

  it('check_csv: expected records must appear, unexpected ones must not', () => {
    const f = file('name,qty\napple,3\npear,4\n');
    expect(m('check_csv', f, { expect: [{ name: 'pear', qty: '4' }] })).toBe(1);
    expect(m('check_csv', f, { expect: [{ name: 'pear', qty: 4 }] })).toBe(0); // '4' != 4 in Python
    expect(m('check_csv', f, { expect: [{ name: 'apple' }], unexpect: [{ qty: '4' }] })).toBe(0);
  });

  it('check_json: key paths with eq / re / approx / range rules, and unexpect', () => {
    const f = file(JSON.stringify({ editor: { size: 14, font: 'Fira Code' }, list: [1, 2, 3] }));
    expect(m('check_json', f, { expect: [{ key: ['editor', 'size'], method: 'eq', ref: 14 }] })).toBe(1);
    expect(m('check_json', f, { expect: [{ key: ['editor', 'font'], method: 're.I', ref: '^fira' }] })).toBe(1);
    expect(m('check_json', f, { expect: [{ key: ['editor', 'size'], method: 'approx:0.5', ref: 14.4 }] })).toBe(1);
    expect(m('check_json', f, { expect: [{ key: ['editor', 'size'], method: 'range.ee', ref: [10, 14] }] })).toBe(1);
    expect(m('check_json', f, { expect: [{ key: ['editor', 'size'], method: 'range.ge', ref: [10, 14] }] })).toBe(0);
    expect(m('check_json', f, { expect: [{ key: ['editor', 'missing'], method: 'eq', ref: 1 }] })).toBe(0);
    expect(m('check_json', f, { unexpect: [{ key: ['editor', 'missing'], method: 'eq', ref: null }] })).toBe(0);
    expect(m('check_json', file('a: 1\n'), { expect: [{ key: ['a'], method: 'eq', ref: 1 }] }, { is_yaml: true })).toBe(1);
  });

  it('check_direct_json_object: single quotes accepted in a string result; expect_in_result mode', () => {
    expect(m('check_direct_json_object', "{'a': 'x'}", { expected: { a: 'x' } })).toBe(1);
    expect(m('check_direct_json_object', { a: 'x', b: 2 }, { expected: { a: 'x', b: 3 } })).toBe(0);
    expect(m('check_direct_json_object', { a: 'hello world' }, { expected: { a: 'world' }, expect_in_result: true })).toBe(1);
    expect(m('check_direct_json_object', { a: ['p', 'q'] }, { expected: { a: ['z', 'q'] }, expect_in_result: true })).toBe(1);
  });

  it('check_json_settings: every expected key present with an equal value', () => {
    const f = file(JSON.stringify({ 'editor.wordWrapColumn': 50, other: true }));
    expect(m('check_json_settings', f, { expected: { 'editor.wordWrapColumn': 50 } })).toBe(1);
    expect(m('check_json_settings', f, { expected: { 'editor.wordWrapColumn': 80 } })).toBe(0);
    expect(m('check_json_settings', file('// comment\n{}'), { expected: {} })).toBe(0);
  });

  it('check_json_keybindings: the expected binding is in the list, a first comment line is skipped', () => {
    const f = file('// Place your key bindings in this file\n[{"key": "ctrl+j", "command": "x"}]');
    expect(m('check_json_keybindings', f, { expected: { key: 'ctrl+j', command: 'x' } })).toBe(1);
    expect(m('check_json_keybindings', f, { expected: { key: 'ctrl+k', command: 'x' } })).toBe(0);
  });

  it('compare_config, is_extension_installed', () => {
    expect(m('compare_config', file('a=1\n'), { expected: 'a=1\n' })).toBe(1);
    expect(m('compare_config', file('a=1'), { expected: 'a=1\n' })).toBe(0);
    expect(m('is_extension_installed', 'ms-python.python\nfoo.bar\n', { type: 'contain', expected: 'ms-python.python' })).toBe(1);
    expect(m('is_extension_installed', 'foo.bar\n', { type: 'not_contain', expected: 'ms-python.python' })).toBe(1);
  });

  it('chrome URL metrics: every pattern must match; tabs compare as lists of normalised URLs', () => {
    expect(m('is_expected_url_pattern_match', { url: 'https://x.com/search?q=cats' }, { expected: ['q=cats', 'search'] })).toBe(1);
    expect(m('is_expected_url_pattern_match', 'https://x.com/', { expected: ['q='] })).toBe(0);
    expect(m('is_expected_active_tab', { url: 'https://www.example.com/' }, { type: 'url', url: 'https://example.com' })).toBe(1);
    const tabs = [{ url: 'https://a.com/' }, { url: 'https://b.com/x' }];
    expect(m('is_expected_tabs', tabs, { type: 'url', urls: ['https://b.com/x', 'https://www.a.com'] })).toBe(1);
    expect(m('is_expected_tabs', tabs, { type: 'url', urls: ['https://b.com/x'] })).toBe(0);
  });
});
