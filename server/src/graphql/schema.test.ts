import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from '../paths.ts';
import { InProcessPubSub } from '../pubsub/pubsub.ts';
import { buildEgenSchema, printEgenSchema } from './schema.ts';

describe('schema/schema.graphql', () => {
  it('matches the schema the resolvers produce (run `npm run schema` to refresh it)', async () => {
    const current = printEgenSchema(await buildEgenSchema(new InProcessPubSub()));
    const checkedIn = readFileSync(SCHEMA_FILE, 'utf8');
    expect(checkedIn, 'schema/schema.graphql is stale: run `npm run schema` and commit the result').toBe(current);
  });
});
