/** The SQLite store (better-sqlite3): the default, one file under the example's data folder. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ADDED_COLUMNS, schema } from './rows.js';
import { type Row, SqlStore, type Statement } from './sql-store.js';

/**
 * A statement in SQLite's terms: PostgreSQL's `$n` placeholders become `?` with the arguments
 * in their order of use (a `$n` may stand twice), and booleans become 1 and 0.
 */
function sqlite(sql: string, args: readonly unknown[]): { sql: string; args: unknown[] } {
  const ordered: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    ordered.push(args[Number(n) - 1]);
    return '?';
  });
  return { sql: text, args: ordered.map((a) => (typeof a === 'boolean' ? (a ? 1 : 0) : a)) };
}

export class SqliteStore extends SqlStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;

  /** `file` is a path (its folder is created) or ':memory:'. */
  constructor(file: string) {
    super();
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
  }

  async migrate(): Promise<void> {
    this.#db.transaction(() => {
      for (const sql of schema('sqlite')) this.#db.exec(sql);
      for (const a of ADDED_COLUMNS) {
        const columns = this.#db.prepare(`PRAGMA table_info(${a.table})`).all() as Row[];
        if (!columns.some((c) => c.name === a.column))
          this.#db.exec(`ALTER TABLE ${a.table} ADD COLUMN ${a.column} ${a.definition}`);
        if (a.index) this.#db.exec(a.index);
      }
    })();
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  protected async rows(sql: string, args: unknown[] = []): Promise<Row[]> {
    const s = sqlite(sql, args);
    return this.#db.prepare(s.sql).all(...s.args) as Row[];
  }
  protected async execute(sql: string, args: unknown[] = []): Promise<number> {
    const s = sqlite(sql, args);
    return this.#db.prepare(s.sql).run(...s.args).changes;
  }
  protected async atomically(statements: Statement[]): Promise<void> {
    this.#db.transaction(() => {
      for (const [sql, args] of statements) {
        const s = sqlite(sql, args);
        this.#db.prepare(s.sql).run(...s.args);
      }
    })();
  }
}
