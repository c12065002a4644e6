/**
 * A query built and compiled once, then run with new values: for the few statements every charged request
 * runs (the ledger's hold and settle). Kysely builds an operation tree and compiles it to SQL on every call,
 * which was a fifth of the CPU of a small request and most of what it allocated; the SQL text never changes,
 * only the values do.
 *
 * The query is built with stand-ins for its values (`Slot`s). Kysely turns each into a bound parameter, so
 * after compiling, the parameter list says where each named value goes. Anything else the builder put there
 * (a constant such as `'open'`) stays as it was.
 */
import { type Compilable, type CompiledQuery, createQueryId, type QueryResult, SelectQueryNode } from 'kysely';
import type { ReadQuery } from './transact.js';

/** A named stand-in for a value. It must reach the SQL as a bound parameter, never inlined. */
class Slot {
  constructor(readonly name: string) {}
}

/** What a query's parameters are: a named value from the call, or a constant of the query. */
type Parameter = { slot: string } | { constant: unknown };

/** Anything that runs a compiled query: a Kysely instance (in a transaction's work, yield `bind(v)` instead). */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/**
 * `build` receives stand-ins typed as the values (`v.amount` is a `number` to the builder) and must use each
 * only as a value. It runs once, on first use, and the query compiles with the dialect of the Kysely instance
 * it builds from; that database runs it, or a transaction's work yields it.
 */
export function preparedQuery<V extends Record<string, unknown>, R>(build: (v: V) => Compilable<R>): PreparedQuery<V, R> {
  return new PreparedQuery(build);
}

export class PreparedQuery<V extends Record<string, unknown>, R> {
  private compiled: { query: CompiledQuery<R>; parameters: Parameter[] } | undefined;

  constructor(private readonly build: (v: V) => Compilable<R>) {}

  /** The compiled query with these values bound: for a transaction's work (`yield* firstOf(q.bind(v))`). */
  bind(values: V): CompiledQuery<R> {
    const { query, parameters } = (this.compiled ??= this.compile());
    const bound = parameters.map((p) => ('slot' in p ? values[p.slot] : p.constant));
    return { query: query.query, queryId: createQueryId(), sql: query.sql, parameters: bound };
  }

  /** bind(), for a transaction's check phase: the query must be a SELECT (`yield* readFirst(q.bindRead(v))`). */
  bindRead(values: V): ReadQuery<R> {
    const bound = this.bind(values);
    if (!SelectQueryNode.is(bound.query)) throw new Error(`prepared query: a check phase may only read, not run: ${bound.sql}`);
    return bound as ReadQuery<R>;
  }

  async run(db: QueryRunner, values: V): Promise<QueryResult<R>> {
    return db.executeQuery<R>(this.bind(values));
  }

  /** The first row, or undefined (RETURNING queries). */
  async first(db: QueryRunner, values: V): Promise<R | undefined> {
    return (await this.run(db, values)).rows[0];
  }

  private compile(): { query: CompiledQuery<R>; parameters: Parameter[] } {
    const slots = new Map<string, Slot>();
    const stand = new Proxy({} as V, {
      get: (_, name) => {
        if (typeof name !== 'string') return undefined;
        let s = slots.get(name);
        if (!s) slots.set(name, (s = new Slot(name)));
        return s;
      },
    });
    const query = this.build(stand).compile();
    const parameters = query.parameters.map((p): Parameter => (p instanceof Slot ? { slot: p.name } : { constant: p }));
    const bound = new Set(parameters.flatMap((p) => ('slot' in p ? [p.slot] : [])));
    for (const name of slots.keys()) {
      // A stand-in the builder read but that is not a parameter was used as something other than a value
      // (inlined, or tested): the compiled SQL would not follow the values given later.
      if (!bound.has(name)) throw new Error(`prepared query: value "${name}" is not a bound parameter in: ${query.sql}`);
    }
    return { query, parameters };
  }
}
