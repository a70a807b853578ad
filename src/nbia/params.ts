// Request parameters as NBIA reads them: exact, case-sensitive names; the first value of a
// repeated parameter unless an endpoint asks for all; unknown parameters ignored. POST
// endpoints read the form body, with the query string as a fallback.
import { badRequest } from '../errors.js';

type Raw = Record<string, unknown>;

export class Params {
  private readonly sources: Raw[];
  constructor(...sources: Array<Raw | undefined | null>) {
    this.sources = sources.filter((s): s is Raw => s !== null && s !== undefined && typeof s === 'object');
  }

  /** Every value given for `name`, in order. */
  all(name: string): string[] {
    for (const src of this.sources) {
      if (!Object.prototype.hasOwnProperty.call(src, name)) continue;
      const v = src[name];
      const list = Array.isArray(v) ? v : [v];
      return list.filter((x) => x !== undefined && x !== null).map(String);
    }
    return [];
  }

  /** The first value, or undefined when absent. An empty value is `''`, not absent. */
  get(name: string): string | undefined {
    return this.all(name)[0];
  }

  /** The first value; a 400 naming the parameter when it is absent. */
  require(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw badRequest(`${name} is required`);
    return v;
  }

  /** Values of a list parameter: repeated fields and comma-separated values alike, trimmed, empties dropped. */
  list(name: string): string[] {
    return this.all(name)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** Several parameters that must all be present: one 400 naming every missing one. */
export function requireAll(params: Params, names: readonly string[]): string[] {
  const missing = names.filter((n) => !params.has(n));
  if (missing.length > 0) {
    throw badRequest(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  }
  return names.map((n) => params.get(n) as string);
}
