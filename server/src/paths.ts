// Fixed locations inside the project checkout.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLIENT_DIST_DIR = join(PROJECT_ROOT, 'client', 'dist');
export const SCHEMA_FILE = join(PROJECT_ROOT, 'schema', 'schema.graphql');
/** The sample datasets that ship with the product (registered on a fresh installation). */
export const SAMPLES_DIR = join(PROJECT_ROOT, 'datasets');
