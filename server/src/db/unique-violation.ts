// A unique index refused a row. Both engines say so in their own words: SQLite "UNIQUE constraint
// failed: …", PostgreSQL "duplicate key value violates unique constraint …". Callers that race
// for a number (a version, a log sequence) or a name try again or report the clash.
const UNIQUE_VIOLATION = /unique|duplicate key/i;

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && UNIQUE_VIOLATION.test(error.message);
}
