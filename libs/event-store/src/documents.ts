import { Prisma, type PrismaClient, type PrismaTx } from './prisma-client';

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

  async get<T>(collection: string, id: string, client: Client = this.prisma): Promise<T | null> {
    const row = await client.document.findUnique({ where: { collection_id: { collection, id } } });
    return (row?.data as T | undefined) ?? null;
  }

  async getMany<T>(collection: string, ids: string[]): Promise<T[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.document.findMany({ where: { collection, id: { in: ids } } });
    return rows.map((row) => row.data as T);
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

  async page<T>(collection: string, partition: string, request: PageRequest): Promise<Page<T>> {
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
}
