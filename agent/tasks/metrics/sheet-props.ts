/**
 * What OSWorld's spreadsheet readers see in one sheet, for compare_table's rules: the raw cell reader
 * (utils.read_cell_value), openpyxl's cell styles, merges, frozen panes, zoom, data validations and
 * row / column dimensions.
 */
import { matchValueToRule } from './general.ts';
import { coordinate, isDateFormat, parseCoordinate, type Cell, type Font, type Sheet } from './xlsx.ts';

type Obj = Record<string, unknown>;

/** The cell properties check_cell and style read (value only in check_cell). */
export const CELL_PROPS = new Set(['value', 'number_format', 'font_name', 'font_family', 'font_color', 'font_bold', 'font_italic', 'font_underline', 'font_size', 'fill_type', 'bgcolor', 'fgcolor', 'merge']);

/**
 * What OSWorld's raw reader (utils.read_cell_value) returns: a number cell as a float, a string,
 * a formula's cached string, an error code; None for an empty, missing, boolean or rich-text cell.
 */
export function rawValue(cell: Cell | undefined): number | string | null {
  if (!cell || cell.value === undefined) return null;
  switch (cell.type) {
    case 'n': {
      const n = Number(cell.value);
      return Number.isNaN(n) && cell.value.trim().toLowerCase() !== 'nan' ? null : n;
    }
    case 's':
    case 'str':
    case 'e':
      return cell.value;
    case 'inlineStr':
      return cell.richInline ? null : cell.value;
    default:
      return null;
  }
}


/** The frozen rows and columns (xSplit / ySplit), which stay put when the user scrolls, unlike topLeftCell. */
export function freezeKey(sheet: Sheet): string {
  const pane = firstSheetView(sheet)?.children.find((c) => c.tag === 'pane');
  if (!pane) return 'none';
  const state = (pane.attrs.state ?? '').toLowerCase();
  const xs = Math.trunc(Number(pane.attrs.xSplit ?? 0));
  const ys = Math.trunc(Number(pane.attrs.ySplit ?? 0));
  if (state === 'frozen' || state === 'frozensplit') return `frozen ${xs} ${ys}`;
  return `other ${xs} ${ys} ${pane.attrs.topLeftCell ?? ''}`;
}

export const firstSheetView = (sheet: Sheet) => sheet.xml.children.find((c) => c.tag === 'sheetViews')?.children.find((c) => c.tag === 'sheetView');

const xmlBool = (v: string | undefined, fallback: boolean) => (v === undefined ? fallback : v === 'true' || v === '1');

/** A dataValidation element's attributes as openpyxl exposes them. */
function validations(sheet: Sheet): Obj[] {
  const holder = sheet.xml.children.find((c) => c.tag === 'dataValidations');
  return (holder?.children ?? [])
    .filter((c) => c.tag === 'dataValidation')
    .map((dv) => {
      const a = dv.attrs;
      const text = (tag: string) => {
        const n = dv.children.find((c) => c.tag === tag);
        return n ? n.children.map((t) => t.text).join('') : null;
      };
      return {
        ranges: (a.sqref ?? '').split(/\s+/).filter(Boolean),
        type: a.type ?? null,
        formula1: text('formula1'),
        formula2: text('formula2'),
        operator: a.operator ?? null,
        allowBlank: xmlBool(a.allowBlank, false),
        showDropDown: xmlBool(a.showDropDown, false),
        showInputMessage: xmlBool(a.showInputMessage, false),
        showErrorMessage: xmlBool(a.showErrorMessage, false),
        error: a.error ?? null,
        errorTitle: a.errorTitle ?? null,
        errorStyle: a.errorStyle ?? null,
        prompt: a.prompt ?? null,
        promptTitle: a.promptTitle ?? null,
        imeMode: a.imeMode ?? null,
      };
    });
}

interface Box {
  r1: number;
  c1: number;
  r2: number;
  c2: number;
}
function box(range: string): Box {
  const [a, b = a] = range.split(':');
  const p = parseCoordinate(a);
  const q = parseCoordinate(b);
  return { r1: Math.min(p.row, q.row), c1: Math.min(p.col, q.col), r2: Math.max(p.row, q.row), c2: Math.max(p.col, q.col) };
}
const inside = (x: Box, y: Box) => x.r1 >= y.r1 && x.c1 >= y.c1 && x.r2 <= y.r2 && x.c2 <= y.c2;
/** Every range of `sub` lies inside one range of `sup` (openpyxl's `range in MultiCellRange`). */
const rangesWithin = (sub: string[], sup: string[]) => sub.every((r) => sup.some((s) => inside(box(r), box(s))));
const splitRanges = (x: unknown) => String(x).trim().split(/\s+/).filter(Boolean);

function matchProp(value: unknown, rule: Obj): boolean {
  if (rule.method === 'spreadsheet_range') {
    const [sub, sup] = rule.ref as [string, string];
    const v = value as string[];
    return rangesWithin(splitRanges(sub), v) && rangesWithin(v, splitRanges(sup));
  }
  return matchValueToRule(value, rule);
}

export function dataValidationHolds(sheet: Sheet, props: Obj[]): boolean {
  const dvs = validations(sheet);
  if (dvs.length < props.length) return false;
  return dvs.every((dv) => props.some((p) => Object.entries(p).every(([k, rule]) => matchProp(dv[k], rule as Obj))));
}

/** openpyxl row_dimensions / column_dimensions restricted to `props`, as comparable JSON. */
export function dimensions(sheet: Sheet, obj: 'row' | 'column', props: string[]): string {
  const out: Record<string, Obj> = {};
  if (obj === 'row') {
    for (const row of sheet.xml.children.find((c) => c.tag === 'sheetData')?.children ?? []) {
      if (row.tag !== 'row') continue;
      const a = row.attrs;
      if (!Object.keys(a).some((k) => k !== 'r' && k !== 'spans')) continue;
      const all: Obj = { height: a.ht === undefined ? null : Number(a.ht), hidden: xmlBool(a.hidden, false), collapsed: xmlBool(a.collapsed, false), outline_level: Number(a.outlineLevel ?? 0) };
      out[a.r] = Object.fromEntries(props.map((p) => [p, all[p] ?? null]));
    }
  } else {
    for (const col of sheet.xml.children.find((c) => c.tag === 'cols')?.children ?? []) {
      if (col.tag !== 'col') continue;
      const a = col.attrs;
      const all: Obj = {
        width: a.width === undefined ? 13 : Number(a.width), hidden: xmlBool(a.hidden, false), collapsed: xmlBool(a.collapsed, false),
        min: Number(a.min), max: Number(a.max), auto_size: xmlBool(a.bestFit, false), outline_level: Number(a.outlineLevel ?? 0),
        customWidth: xmlBool(a.customWidth, false),
      };
      out[coordinate(1, Number(a.min)).replace(/\d+$/, '')] = Object.fromEntries(props.map((p) => [p, all[p] ?? null]));
    }
  }
  return JSON.stringify(Object.keys(out).sort().map((k) => [k, out[k]]));
}

function isMergedAway(sheet: Sheet, row: number, col: number): boolean {
  return sheet.merged.some((m) => row >= m.r1 && row <= m.r2 && col >= m.c1 && col <= m.c2 && !(row === m.r1 && col === m.c1));
}

const FONT_FIELDS: readonly (keyof Font)[] = ['name', 'family', 'color', 'bold', 'italic', 'underline', 'size'];

/** utils._read_cell_style for one openpyxl cell (value as openpyxl reads it: formulas count as values). */
export function cellStyle(prop: string, sheet: Sheet, coord: string): unknown {
  const { row, col } = parseCoordinate(coord);
  const cell = sheet.cells.get(coordinate(row, col));
  const hasValue = cell !== undefined && (cell.value !== undefined || cell.formula !== undefined) && !isMergedAway(sheet, row, col);
  // font_<field> reads that field of the cell's font, when the cell holds a value.
  const fontField = prop.slice('font_'.length) as keyof Font;
  if (prop.startsWith('font_') && FONT_FIELDS.includes(fontField)) return hasValue ? (cell.format.font[fontField] ?? null) : null;
  switch (prop) {
    case 'number_format':
      // openpyxl's data_type is "n" only for plain numbers: formulas and dates give None.
      return hasValue && cell.type === 'n' && cell.formula === undefined && !isDateFormat(cell.format.numFmt) ? cell.format.numFmt : null;
    case 'fill_type':
      return cell?.format.fill.tag ?? 'patternFill';
    case 'bgcolor':
    case 'fgcolor':
      return cell?.format.fill.fgColor ?? '00000000';
    case 'merge':
      return isMergedAway(sheet, row, col);
    default:
      throw new Error(`compare_table check_cell: property "${prop}" is not implemented`);
  }
}

/**
 * utils.load_xlsx_styles without its conditional-formatting half: the wanted properties of every
 * cell from A1 to the last row and column that hold a cell, as one comparable string. A sheet with
 * conditional formatting is refused (OSWorld evaluates those rules' formulas to restyle cells).
 */
export function sheetStyles(sheet: Sheet | undefined, props: string[]): string {
  if (!sheet) return '{}';
  if (sheet.xml.children.some((c) => c.tag === 'conditionalFormatting')) {
    throw new Error(`compare_table style: sheet "${sheet.name}" has conditional formatting, which this harness does not evaluate`);
  }
  let maxRow = 1;
  let maxCol = 1;
  for (const c of sheet.cells.values()) [maxRow, maxCol] = [Math.max(maxRow, c.row), Math.max(maxCol, c.col)];
  if (maxRow * maxCol > 2_000_000) throw new Error(`compare_table style: sheet "${sheet.name}" spans ${maxRow} rows x ${maxCol} columns, too many cells to compare one by one`);
  const out: string[] = [];
  for (let col = 1; col <= maxCol; col++) {
    for (let row = 1; row <= maxRow; row++) {
      const coord = coordinate(row, col);
      out.push(`${coord}=${JSON.stringify(props.map((p) => cellStyle(p, sheet, coord)))}`);
    }
  }
  return out.join('\n');
}
