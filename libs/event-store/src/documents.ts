import { Prisma, type PrismaClient, type PrismaTx, type SqlClient, sqlOf } from './prisma-client';

export interface PageRequest {
  page: number;
  size: number;
  /** A top-level field of the document and a direction. */
  sort?: { field: string; direction: 'asc' | 'desc' };
}

export interface Page<T> {
  content: T[];
  page: number;
  size: number;
  totalElements: number;
  totalPages: number;
}

type Client = PrismaClient | PrismaTx;

/** JSON documents grouped in collections (and optionally partitions): read models and lookups. */
export class DocumentStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** One document (a hot path: lookups and summaries on every request, hence plain SQL). */
  async get<T>(collection: string, id: string): Promise<T | null> {
    const { rows } = await sqlOf(this.prisma).query<{ data: T }>(
      'SELECT data FROM documents WHERE collection = $1 AND id = $2',
      [collection, id],
    );
    return rows[0]?.data ?? null;
  }

  async put(client: Client, collection: string, id: string, data: object, partition = ''): Promise<void> {
    const value = data as Prisma.InputJsonValue;
    await client.document.upsert({
      where: { collection_id: { collection, id } },
      create: { collection, id, partition, data: value },
      update: { data: value, partition, version: { increment: 1 } },
    });
  }

  async delete(client: Client, collection: string, id: string): Promise<void> {
    await client.document.deleteMany({ where: { collection, id } });
  }

  /**
   * A page of a collection's partition. `filter`: an SQL condition on `data` (a Prisma.sql
   * fragment, parameterised) that documents must meet; the counts include only those.
   */
  async page<T>(
    collection: string,
    partition: string,
    request: PageRequest,
    filter?: Prisma.Sql,
  ): Promise<Page<T>> {
    if (filter) return this.filteredPage<T>(collection, partition, request, filter);
    const where = { collection, partition };
    const [totalElements, rows] = await Promise.all([
      this.prisma.document.count({ where }),
      request.sort
        ? this.prisma.$queryRaw<Array<{ data: unknown }>>`
            SELECT data FROM documents WHERE collection = ${collection} AND partition = ${partition}
            ORDER BY data->${request.sort.field} ${request.sort.direction === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`}, created_at
            OFFSET ${request.page * request.size} LIMIT ${request.size}`
        : this.prisma.document.findMany({
            where,
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            skip: request.page * request.size,
            take: request.size,
            select: { data: true },
          }),
    ]);
    return {
      content: rows.map((row) => row.data as T),
      page: request.page,
      size: request.size,
      totalElements,
      totalPages: Math.ceil(totalElements / request.size),
    };
  }

  private async filteredPage<T>(
    collection: string,
    partition: string,
    request: PageRequest,
    filter: Prisma.Sql,
  ): Promise<Page<T>> {
    const where = Prisma.sql`collection = ${collection} AND partition = ${partition} AND (${filter})`;
    const order = request.sort
      ? Prisma.sql`data->${request.sort.field} ${request.sort.direction === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`}, created_at`
      : Prisma.sql`created_at, id`;
    const [[count], rows] = await Promise.all([
      this.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM documents WHERE ${where}`,
      this.prisma.$queryRaw<Array<{ data: unknown }>>`
        SELECT data FROM documents WHERE ${where}
        ORDER BY ${order} OFFSET ${request.page * request.size} LIMIT ${request.size}`,
    ]);
    const totalElements = count?.n ?? 0;
    return {
      content: rows.map((row) => row.data as T),
      page: request.page,
      size: request.size,
      totalElements,
      totalPages: Math.ceil(totalElements / request.size),
    };
  }
}

export interface DocumentRef {
  collection: string;
  id: string;
}

/** The key of a document in maps returned by set-based reads. */
export const documentKey = (collection: string, id: string): string => `${collection}\u0000${id}`;

/**
 * A set-based read of documents as SQL: `$n` holds the collections and `$n+1` the ids (parallel
 * text arrays). Selects collection, id and data.
 */
export const readDocumentsSql = (n: number): string =>
  `SELECT d.collection, d.id, d.data FROM documents d
   JOIN unnest($${n}::text[], $${n + 1}::text[]) AS r(collection, id) ON d.collection = r.collection AND d.id = r.id`;

/** Many documents of any collections in one statement, by `documentKey`. */
export const readDocuments = async <D>(sql: SqlClient, refs: DocumentRef[]): Promise<Map<string, D>> => {
  if (refs.length === 0) return new Map();
  const { rows } = await sql.query<{ collection: string; id: string; data: D }>(readDocumentsSql(1), [
    refs.map((r) => r.collection),
    refs.map((r) => r.id),
  ]);
  return new Map(rows.map((row) => [documentKey(row.collection, row.id), row.data]));
};

/**
 * Set-based read-model changes for projections: a whole batch's puts (any collections), creations
 * and removals in one statement, on a node-postgres connection inside the caller's transaction (see
 * `inSqlTransaction`). `create` writes documents that are immutable once written (audit records):
 * an existing one is kept as it is. A document must appear in only one of the lists.
 */
export const writeDocuments = async (
  sql: SqlClient,
  changes: {
    put: Array<{ collection: string; id: string; data: object; partition?: string }>;
    create?: Array<{ collection: string; id: string; data: object; partition?: string }>;
    remove?: Array<{ collection: string; id: string }>;
  },
): Promise<void> => {
  const remove = changes.remove ?? [];
  const create = changes.create ?? [];
  if (changes.put.length === 0 && create.length === 0 && remove.length === 0) return;
  const rows = (documents: typeof changes.put) =>
    JSON.stringify(documents.map(({ collection, id, data, partition }) => ({ collection, id, data, partition: partition ?? '' })));
  await sql.query(
    `WITH put AS (
       INSERT INTO documents (collection, id, partition, data, updated_at)
       SELECT d.collection, d.id, d.partition, d.data, now()
       FROM jsonb_to_recordset($1::jsonb) AS d(collection text, id text, partition text, data jsonb)
       ON CONFLICT (collection, id) DO UPDATE
         SET data = EXCLUDED.data, partition = EXCLUDED.partition, version = documents.version + 1, updated_at = now()
     ), created AS (
       INSERT INTO documents (collection, id, partition, data, updated_at)
       SELECT d.collection, d.id, d.partition, d.data, now()
       FROM jsonb_to_recordset($3::jsonb) AS d(collection text, id text, partition text, data jsonb)
       ON CONFLICT (collection, id) DO NOTHING
     )
     DELETE FROM documents USING jsonb_to_recordset($2::jsonb) AS r(collection text, id text)
     WHERE documents.collection = r.collection AND documents.id = r.id`,
    [rows(changes.put), JSON.stringify(remove), rows(create)],
  );
};
