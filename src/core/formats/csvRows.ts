/**
 * CSV rows as Python's `csv` module writes them (Lightning's CSVLogger): comma-separated, `\r\n` line ends,
 * a field quoted only when it holds a comma, a quote or a line break, quotes doubled inside. Lines are cut
 * at `\n` by the caller; a quoted line break is not expected in a metrics file and would split a row.
 */
export function splitCsvLine(line: string): string[] {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/** A cell as Python's `str(float)` wrote it (`nan`, `inf`, `-inf`, `1e-05`); undefined for empty or non-numeric cells. */
export function parsePythonNumber(cell: string): number | undefined {
  const text = cell.trim();
  if (text === '') return undefined;
  switch (text.toLowerCase()) {
    case 'nan':
    case '-nan':
      return Number.NaN;
    case 'inf':
    case 'infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
