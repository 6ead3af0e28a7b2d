// Relay-style connections with keyset (cursor) pagination that works the same on SQLite and
// PostgreSQL: rows are ordered by (sort column, id) and a cursor holds both values.
import { type ClassType, Field, ArgsType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationError } from '../errors/domain-error.ts';

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

@ObjectType({ description: 'Where a page of a connection sits' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when the page was fetched with `after`' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Defaults to 20.' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return rows after this cursor (a previous endCursor)' })
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Declares `<Name>Connection` and `<Name>Edge` GraphQL types for a node type. */
export function ConnectionType<T extends object>(name: string, node: ClassType<T>): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} rows` })
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => [node], { description: 'The nodes of `edges`, for clients that need no cursors' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Rows matching the filter, across all pages' })
    totalCount!: number;
  }
  return ConnectionClass;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

function encodeCursor(sortValue: string | number, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string | number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw ValidationError.single('after', 'is not a cursor returned by this list');
}

export interface PaginateOptions<T> {
  /** Alias of the root entity in the query builder. */
  alias: string;
  /** Entity property to sort by (besides id, which breaks ties). */
  sortProperty: string;
  /** The stored value of the sort property of a row, as the database compares it. */
  sortValue: (row: T) => string | number;
  direction: SortDirection;
  page: PageArgs;
}

/** The page size asked for (DEFAULT_PAGE_SIZE when absent); BAD_USER_INPUT on field `first` outside 1..MAX_PAGE_SIZE. */
export function pageSize(page: PageArgs): number {
  const first = page.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw ValidationError.single('first', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return first;
}

/**
 * Lists read in order from a stream (a file) rather than a table page by position: the cursor
 * holds the 0-based position of the row after which the next page starts, the kind of list it
 * belongs to, and an optional resume hint (e.g. the byte where the next row starts).
 */
export function encodeStreamCursor(kind: string, position: number, hint: number | null): string {
  return Buffer.from(JSON.stringify([kind, position, hint])).toString('base64url');
}

/** The position and hint of a cursor of `kind`; BAD_USER_INPUT on field `after` for anything else. */
export function decodeStreamCursor(cursor: string, kind: string): { position: number; hint: number | null } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 3 && value[0] === kind && Number.isSafeInteger(value[1]) && (value[1] as number) >= 0 && (value[2] === null || (Number.isSafeInteger(value[2]) && (value[2] as number) >= 0))) {
      return { position: value[1] as number, hint: value[2] as number | null };
    }
  } catch {
    // fall through
  }
  throw ValidationError.single('after', 'is not a cursor returned by this list');
}

/** Applies the cursor, order and limit to a filtered query and returns one page. */
export async function paginate<T extends ObjectLiteral & { id: string }>(qb: SelectQueryBuilder<T>, options: PaginateOptions<T>): Promise<Connection<T>> {
  const first = pageSize(options.page);
  const totalCount = await qb.clone().getCount();
  const { alias, sortProperty, direction } = options;
  const sort = `${alias}.${sortProperty}`;
  const id = `${alias}.id`;
  if (options.page.after) {
    const [value, afterId] = decodeCursor(options.page.after);
    const op = direction === SortDirection.ASC ? '>' : '<';
    qb.andWhere(`(${sort} ${op} :cursorValue OR (${sort} = :cursorValue AND ${id} ${op} :cursorId))`, { cursorValue: value, cursorId: afterId });
  }
  const rows = await qb
    .orderBy(sort, direction)
    .addOrderBy(id, direction)
    .take(first + 1)
    .getMany();
  const hasNextPage = rows.length > first;
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(options.sortValue(node), node.id), node }));
  return {
    edges,
    nodes,
    totalCount,
    pageInfo: { hasNextPage, hasPreviousPage: Boolean(options.page.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
