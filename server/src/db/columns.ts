// Column helpers that read the same on SQLite and PostgreSQL.
import type { ValueTransformer } from 'typeorm';

/**
 * Timestamps are stored as ISO-8601 UTC text (varchar 32, always 24 characters from
 * Date#toISOString), so they sort and compare the same on both engines.
 */
export const ISO_DATE: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? value.toISOString() : value),
  from: (value: string | null) => (value === null || value === undefined ? null : new Date(value)),
};

/** JSON stored as text. */
export const JSON_TEXT: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : JSON.stringify(value)),
  from: (value: string | null) => (value === null || value === undefined ? null : (JSON.parse(value) as unknown)),
};
