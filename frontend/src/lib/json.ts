/** Validation of the JSON option editors (ModelRatio, CompletionRatio, GroupRatio, model mapping). */
export type JsonKind = 'ratio' | 'mapping' | 'any';

export function validateJson(text: string, kind: JsonKind): string | null {
  if (kind === 'mapping' && text.trim() === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `Invalid JSON: ${(e as Error).message}`;
  }
  if (kind === 'any') return null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'Must be a JSON object';
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (kind === 'ratio') {
      if (typeof val !== 'number' || !Number.isFinite(val) || val < 0) {
        return `Value of "${k}" must be a non-negative number`;
      }
    } else if (typeof val !== 'string') {
      return `Value of "${k}" must be a string`;
    }
  }
  return null;
}

export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
