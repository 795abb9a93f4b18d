// Small helpers the admission plugins share for reading JSON-shaped objects.
import type { Obj } from '../access.js';

/** Whether `v` is a plain JSON object (not null, not an array). */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v` when it is an array, else an empty one. */
export function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** `v` when it is a string, else ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
