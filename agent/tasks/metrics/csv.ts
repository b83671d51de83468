/**
 * Python csv.DictReader over a file opened in text mode (excel dialect): the first row names the
 * fields, blank lines are skipped, short rows get None for the missing fields, extra values go
 * under the key null (DictReader's restkey None).
 */

/** Splits CSV text into rows of fields: "," separated, '"' quoted, "" as an escaped quote. */
export function parseCsvRows(text: string): string[][] {
  const src = text.replace(/\r\n?/g, '\n'); // text mode: universal newlines
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let sawAny = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      sawAny = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      sawAny = true;
    } else if (c === '\n') {
      if (sawAny || field !== '') row.push(field);
      rows.push(row);
      row = [];
      field = '';
      sawAny = false;
    } else {
      field += c;
      sawAny = true;
    }
  }
  if (sawAny || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export type CsvRecord = Record<string, string | null | string[]>;

export function dictReader(text: string): CsvRecord[] {
  const rows = parseCsvRows(text).filter((r) => r.length > 0);
  if (rows.length === 0) return [];
  const [names, ...data] = rows;
  return data.map((values) => {
    const rec: CsvRecord = {};
    names.forEach((name, i) => {
      rec[name] = i < values.length ? values[i] : null;
    });
    if (values.length > names.length) rec['null'] = values.slice(names.length);
    return rec;
  });
}
