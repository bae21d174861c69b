import type { Pool } from 'pg';
import { RerankError, messageOf } from '../errors.js';
import type { Retriever, SearchHit } from '../types.js';
import type { Embedder } from './vector.js';

/**
 * A first stage over an existing Postgres table: full-text search (websearch_to_tsquery, ranked by
 * ts_rank_cd) or, where the pgvector extension is installed, nearest neighbours by cosine distance
 * (`<=>`). Identifiers (table, columns) are quoted; values (query, language, k, vector) are parameters.
 * `pg` loads inside open().
 */
export interface PostgresRetrieverOptions {
  /** A connection string (postgres://user@host:port/db) or a ready pg Pool. */
  connection: string | Pool;
  /** Table, optionally schema-qualified (`search.docs`). */
  table: string;
  idColumn?: string;
  textColumn?: string;
  /**
   * Text search configuration (`english`, `simple`, `german`, ...; default `english`), or `zh` for
   * Chinese: Postgres has no Chinese configuration, so `zh` indexes each Han character as a word with
   * `simple` (see docs/retrieval.md).
   */
  language?: string;
  /** A regconfig column naming each row's configuration (several languages in one table); overrides `language`. */
  languageColumn?: string;
  /** A stored tsvector column (e.g. a generated column with a GIN index) searched instead of to_tsvector(text). */
  tsvectorColumn?: string;
  /** 'fulltext' (default) or 'vector' (pgvector over `embeddingColumn`, queries embedded by `embedder`). */
  mode?: 'fulltext' | 'vector';
  embeddingColumn?: string;
  embedder?: Embedder;
}

/** A quoted identifier, `"a""b"`; a dotted name is schema.table. */
export function quoteIdent(name: string, dotted = false): string {
  if (typeof name !== 'string' || name === '') throw new RerankError('RERANK_BAD_OPTION', 'a table or column name must be a non-empty string');
  const parts = dotted ? name.split('.') : [name];
  if (parts.length > 2) throw new RerankError('RERANK_BAD_OPTION', `"${name}": give a table as table or schema.table`);
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

/** Chinese, Japanese and Korean characters, each made a word of its own for `zh` (a space on either side). */
const CJK = '([\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7af])';

/** The SQL of a full-text search: $1 the query, $2 the configuration, $3 k. */
export function fulltextSql(o: PostgresRetrieverOptions): string {
  const t = quoteIdent(o.table, true);
  const id = quoteIdent(o.idColumn ?? 'id');
  const text = quoteIdent(o.textColumn ?? 'text');
  const zh = isZh(o.language) && !o.languageColumn;
  // A row without a language takes `language`.
  const config = o.languageColumn ? `coalesce(${quoteIdent(o.languageColumn)}::regconfig, $2::regconfig)` : '$2::regconfig';
  const doc = o.tsvectorColumn ? quoteIdent(o.tsvectorColumn) : zh ? `to_tsvector(${config}, regexp_replace(${text}, '${CJK}', ' \\1 ', 'g'))` : `to_tsvector(${config}, ${text})`;
  const query = zh ? `websearch_to_tsquery(${config}, regexp_replace($1, '${CJK}', ' \\1 ', 'g'))` : `websearch_to_tsquery(${config}, $1)`;
  // The id breaks ties, so equal ranks come in one order every time and a smaller k is a prefix.
  return `SELECT ${id}::text AS id, coalesce(${text}, '') AS text, ts_rank_cd(${doc}, q)::float8 AS score `
    + `FROM ${t}, ${query} AS q WHERE ${doc} @@ q ORDER BY score DESC, ${id} ASC LIMIT $3`;
}

/** The SQL of a vector search: $1 the query vector ('[0.1,0.2,...]'), $2 k; score = cosine similarity. */
export function vectorSql(o: PostgresRetrieverOptions): string {
  const emb = quoteIdent(o.embeddingColumn ?? 'embedding');
  const id = quoteIdent(o.idColumn ?? 'id');
  return `SELECT ${id}::text AS id, coalesce(${quoteIdent(o.textColumn ?? 'text')}, '') AS text, (1 - (${emb} <=> $1::vector))::float8 AS score `
    + `FROM ${quoteIdent(o.table, true)} WHERE ${emb} IS NOT NULL ORDER BY ${emb} <=> $1::vector, ${id} ASC LIMIT $2`;
}

const isZh = (lang: string | undefined) => ['zh', 'chinese', 'zh-cn', 'zh-tw'].includes((lang ?? '').toLowerCase());

export class PostgresRetriever implements Retriever {
  readonly sql: string;
  private constructor(private readonly pool: Pool, private readonly own: boolean, readonly o: PostgresRetrieverOptions) {
    this.sql = o.mode === 'vector' ? vectorSql(o) : fulltextSql(o);
  }

  get name(): string {
    return `postgres:${this.o.table}:${this.o.mode === 'vector' ? 'vector' : this.config}`;
  }

  private get config(): string {
    return isZh(this.o.language) ? 'simple' : this.o.language ?? 'english';
  }

  /** Connects and checks the table, columns, configuration (and pgvector) with one query each, so mistakes show before a run. */
  static async open(o: PostgresRetrieverOptions): Promise<PostgresRetriever> {
    let pool: Pool;
    const own = typeof o.connection === 'string';
    if (typeof o.connection === 'string') {
      const { default: pg } = await import('pg');
      pool = new pg.Pool({ connectionString: o.connection, max: 4, connectionTimeoutMillis: 5000 });
      pool.on('error', () => {}); // an idle client's lost connection; the next query reconnects
    } else pool = o.connection;
    const r = new PostgresRetriever(pool, own, o);
    try {
      await r.check();
    } catch (e) {
      if (own) await pool.end();
      throw e;
    }
    return r;
  }

  private async check(): Promise<void> {
    if (this.o.mode === 'vector') {
      const ext = await this.query('SELECT (SELECT count(*) FROM pg_extension WHERE extname = $1)::int AS installed, (SELECT count(*) FROM pg_available_extensions WHERE name = $1)::int AS available', ['vector']);
      const { installed, available } = ext.rows[0] as { installed: number; available: number };
      if (!installed) {
        throw new RerankError('RERANK_UNAVAILABLE', available
          ? 'vector search needs the pgvector extension in this database: run CREATE EXTENSION vector (it is available on the server)'
          : 'vector search needs the pgvector extension, which this Postgres server does not have (install it, e.g. Debian\'s postgresql-<version>-pgvector); full-text search works without it');
      }
      if (!this.o.embedder) throw new RerankError('RERANK_BAD_OPTION', 'vector search needs an embedder for the queries (the bi-encoder that made the embedding column)');
      await this.query(`SELECT * FROM (${vectorSql(this.o).replace(/\$1::vector/g, 'NULL::vector')}) AS s LIMIT 0`, [0]);
      return;
    }
    await this.query(`SELECT * FROM (${this.sql}) AS s LIMIT 0`, ['x', this.config, 1]);
  }

  private async query(sql: string, values: unknown[]) {
    try {
      return await this.pool.query(sql, values);
    } catch (e) {
      throw pgError(e, this.o);
    }
  }

  async search(query: string, k: number): Promise<SearchHit[]> {
    if (typeof query !== 'string' || query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
    if (!Number.isInteger(k) || k <= 0) throw new RerankError('RERANK_BAD_OPTION', `k must be a positive integer, got ${k}`);
    // \u0000 cannot be sent in a Postgres text value; it is no word either.
    const q = query.replace(/\u0000/g, ' ');
    let rows;
    if (this.o.mode === 'vector') {
      const [v] = await this.o.embedder!.embedQueries([q]);
      rows = (await this.query(this.sql, [`[${Array.from(v!).join(',')}]`, k])).rows;
    } else rows = (await this.query(this.sql, [q, this.config, k])).rows;
    return rows.map((r: { id: string; text: string; score: number }) => ({ id: r.id, score: Number(r.score), text: r.text }));
  }

  async close(): Promise<void> {
    if (this.own) await this.pool.end();
    await this.o.embedder?.close?.();
  }
}

/** Postgres' errors a user can cause, in words. */
function pgError(e: unknown, o: PostgresRetrieverOptions): RerankError {
  const code = (e as { code?: string }).code;
  const msg = messageOf(e);
  if (code === '42P01') return new RerankError('RERANK_BAD_OPTION', `postgres: table ${o.table} does not exist (${msg})`);
  if (code === '42703') return new RerankError('RERANK_BAD_OPTION', `postgres: ${msg} in table ${o.table} (set the id/text/language columns)`);
  if (code === '42704' || code === '22023') return new RerankError('RERANK_BAD_OPTION', `postgres: ${msg} (language must be a text search configuration: english, simple, ... or zh)`);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000' || /timeout/i.test(msg)) return new RerankError('RERANK_UNAVAILABLE', `cannot reach Postgres: ${msg || code}`);
  return new RerankError('RERANK_UPSTREAM', `postgres: ${msg}`);
}

/**
 * `postgres://user@host:port/db?table=docs&text_column=body&language=english`: the rerankit
 * parameters (table, id_column, text_column, language, language_column, tsvector_column, mode,
 * embedding_column) are taken out; the rest of the URL goes to pg as it is (host=/socket/dir, sslmode...).
 */
export function postgresOptionsFromUrl(url: string): PostgresRetrieverOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RerankError('RERANK_BAD_OPTION', `not a postgres:// URL: ${url}`);
  }
  const take = (name: string) => {
    const v = u.searchParams.get(name) ?? undefined;
    u.searchParams.delete(name);
    return v;
  };
  const table = take('table');
  if (!table) throw new RerankError('RERANK_BAD_OPTION', 'the postgres:// retriever needs ?table=<table> (and id_column, text_column when they are not "id" and "text")');
  const mode = take('mode');
  if (mode !== undefined && mode !== 'fulltext' && mode !== 'vector') throw new RerankError('RERANK_BAD_OPTION', `mode must be fulltext or vector, got "${mode}"`);
  const o: PostgresRetrieverOptions = {
    table, idColumn: take('id_column'), textColumn: take('text_column'), language: take('language'), languageColumn: take('language_column'),
    tsvectorColumn: take('tsvector_column'), embeddingColumn: take('embedding_column'), mode: mode as 'fulltext' | undefined, connection: '',
  };
  o.connection = u.toString();
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as PostgresRetrieverOptions;
}

export const isPostgresUrl = (s: string) => /^postgres(ql)?:\/\//.test(s);
