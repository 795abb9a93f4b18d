// placeholder
import type { Backend } from '../types.js';
export interface SqliteOptions { file: string }
export class SqliteBackend {
  static async open(_opts: SqliteOptions): Promise<Backend> {
    throw new Error('not implemented yet');
  }
}
