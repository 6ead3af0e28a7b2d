// Writes schema/schema.graphql from the resolvers (`npm run schema`). A test fails when the
// checked-in file differs from what the resolvers produce.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildEgenSchema, printEgenSchema } from '../server/src/graphql/schema.ts';
import { SCHEMA_FILE } from '../server/src/paths.ts';
import { InProcessPubSub } from '../server/src/pubsub/pubsub.ts';

const schema = await buildEgenSchema(new InProcessPubSub());
mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
writeFileSync(SCHEMA_FILE, printEgenSchema(schema));
console.log(`wrote ${SCHEMA_FILE}`);
