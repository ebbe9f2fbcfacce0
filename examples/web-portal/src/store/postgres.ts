/** The PostgreSQL store (`pg`): for several portal instances sharing one database. */
import pg from 'pg';
import { ADDED_COLUMNS, schema } from './rows.js';
import { type Row, SqlStore, type Statement } from './sql-store.js';

/** An arbitrary constant: instances starting together take turns creating the tables. */
const MIGRATION_LOCK = 0x0f1d02;

export class PostgresStore extends SqlStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(connectionString: string, options: { max?: number; onError?: (error: Error) => void } = {}) {
    super();
    this.#pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
    // An idle connection the server ends (a restart, an administrator, a failover) emits 'error'
    // on the pool; unhandled, it would end the process. The pool drops that connection and the
    // next query opens a new one, so it is only reported.
    this.#pool.on('error', (error) => options.onError?.(error));
  }

  async migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      for (const sql of schema('postgres')) await client.query(sql);
      for (const a of ADDED_COLUMNS) {
        await client.query(`ALTER TABLE ${a.table} ADD COLUMN IF NOT EXISTS ${a.column} ${a.definition}`);
        if (a.index) await client.query(a.index);
      }
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  protected async rows(sql: string, args: unknown[] = []): Promise<Row[]> {
    return (await this.#pool.query(sql, args)).rows as Row[];
  }
  protected async execute(sql: string, args: unknown[] = []): Promise<number> {
    return (await this.#pool.query(sql, args)).rowCount ?? 0;
  }
  protected async atomically(statements: Statement[]): Promise<void> {
    await this.#transaction(async (client) => {
      for (const [sql, args] of statements) await client.query(sql, args);
    });
  }

  async #transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  }
}
